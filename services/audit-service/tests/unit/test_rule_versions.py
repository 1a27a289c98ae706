"""The operator publishes rule sets as versions: refused with field errors when inconsistent; an audit is
judged by the versions in force when it was mandated."""

from __future__ import annotations

import pytest

from audit_service.adapters.rules import shipped_rule_sets
from audit_service.service_layer.handlers import AuditHandlers
from audit_service.service_layer.rule_books import RuleBooks
from shared_audits.contracts.enums import AuditScope, AuditType, Announcement
from shared_audits.contracts.events import RuleSetVersionPublished
from shared_audits.errors import ConflictError, PermissionDeniedError
from shared_audits.rule_versions import RuleSetRejected
from shared_audits.testing import audit_company, member, operator


def shipped(kind: str, **changes: object) -> dict:
    return {**shipped_rule_sets()[kind].model_dump(mode="json"), **changes}


STRICTER_BANDS = [{"letter": "A", "min_percentage": 99}, {"letter": "B", "min_percentage": 98},
                  {"letter": "C", "min_percentage": 97}, {"letter": "D", "min_percentage": 96},
                  {"letter": "E", "min_percentage": 0}]


async def refused(rule_books: RuleBooks, kind: str, content: dict) -> dict[str, str]:
    with pytest.raises(RuleSetRejected) as refusal:
        await rule_books.versions.publish(operator(), kind, content)
    return {problem["field"]: problem["message"] for problem in refusal.value.errors}


async def test_rating_bands_that_overlap_or_leave_a_gap_are_refused_field_by_field(rule_books: RuleBooks) -> None:
    overlapping = [{"letter": "A", "min_percentage": 80}, {"letter": "B", "min_percentage": 85},
                   {"letter": "C", "min_percentage": 51}, {"letter": "D", "min_percentage": 30},
                   {"letter": "E", "min_percentage": 10}]
    errors = await refused(rule_books, "rating", shipped("rating", version="2026.2", letter_bands=overlapping))
    assert "overlaps A" in errors["body.letter_bands.1.min_percentage"]
    assert "must start at 0%" in errors["body.letter_bands.4.min_percentage"]

    without_d = [band for band in STRICTER_BANDS if band["letter"] != "D"]
    errors = await refused(rule_books, "rating", shipped("rating", version="2026.2", letter_bands=without_d))
    assert "missing D" in errors["body.letter_bands"]

    twice_b = [*STRICTER_BANDS, {"letter": "B", "min_percentage": 50}]
    assert "appears twice" in (await refused(rule_books, "rating", shipped(
        "rating", version="2026.2", letter_bands=twice_b)))["body.letter_bands.5.letter"]


async def test_a_version_must_fit_the_schema_and_be_newer_than_the_one_in_force(rule_books: RuleBooks) -> None:
    errors = await refused(rule_books, "rating", shipped("rating", version="2026.2", letter_bands=[
        {"letter": "A", "min_percentage": 140}]))
    assert "body.letter_bands.0.min_percentage" in errors
    assert "newer than the version in force, 2026.1" in (await refused(
        rule_books, "rating", shipped("rating", version="2025.9")))["body.version"]
    assert "body.version" in await refused(rule_books, "rating", shipped("rating", version="next"))
    with pytest.raises(ConflictError):
        await rule_books.versions.publish(operator(), "rating", shipped("rating"))  # 2026.1 exists


async def test_rule_sets_must_agree_with_the_others_in_force(rule_books: RuleBooks) -> None:
    monitoring = shipped("monitoring", version="2026.2")
    monitoring["zero_tolerance_topics"] = [t for t in monitoring["zero_tolerance_topics"] if t["id"] != "child_labour"]
    assert "named by question S2.02" in (await refused(rule_books, "monitoring", monitoring))["body.zero_tolerance_topics"]

    questionnaire = shipped("questionnaire", version="2026.2")
    questionnaire["questions"][0]["zero_tolerance_topic"] = "tax_evasion"
    assert "not in the monitoring rules 2026.1" in (await refused(
        rule_books, "questionnaire", questionnaire))["body.questions.0.zero_tolerance_topic"]

    documents = shipped("documents", version="2026.2")
    documents["documents"][0]["chapters"] = ["S1", "X9"]
    assert "X9 not in the questionnaire" in (await refused(
        rule_books, "documents", documents))["body.documents.0.chapters"]

    sampling = shipped("sampling", version="2026.2")
    sampling["bands"][0]["max_workers"] = None
    assert "body.bands" in await refused(rule_books, "sampling", sampling)


async def test_only_the_operator_publishes_and_the_publication_is_announced(rule_books: RuleBooks) -> None:
    stricter = shipped("rating", version="2026.2", letter_bands=STRICTER_BANDS)
    with pytest.raises(PermissionDeniedError):
        await rule_books.versions.publish(member("m-a"), "rating", stricter)
    await rule_books.versions.publish(operator(), "rating", stricter)
    assert (await rule_books.versions_in_force())["rating"] == "2026.2"
    assert [v.rule_version for v in await rule_books.versions.history("rating")] == ["2026.2", "2026.1"]
    published = rule_books.versions.versions.published
    assert [(e.kind, e.version, e.previous_version) for e in published if isinstance(e, RuleSetVersionPublished)] \
        == [("rating", "2026.2", "2026.1")]


async def test_an_audit_is_rated_by_the_versions_in_force_when_it_was_mandated(
    audits: AuditHandlers, rule_books: RuleBooks, make_ready, submission
) -> None:
    await make_ready()
    mandate = (AuditType.INITIAL, AuditScope.SOCIAL, Announcement.UNANNOUNCED)
    before = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", *mandate)
    await rule_books.versions.publish(operator(), "rating", shipped("rating", version="2026.2",
                                                                     letter_bands=STRICTER_BANDS))
    after = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", *mandate)
    assert before.rule_versions["rating"] == "2026.1" and after.rule_versions["rating"] == "2026.2"
    letters = {}
    for audit in (before, after):
        await audits.answer_mandate(audit_company("ac-1"), audit.id, accept=True, reason=None)
        published = await audits.submit_report(audit_company("ac-1"), audit.id, submission(noes=("S1.06",)))
        letters[audit.id] = (published.report.letter, published.report.rule_set_version)
    assert letters[before.id] == ("A", "2026.1")  # 98.x %: A under the bands it was mandated under
    assert letters[after.id] == ("B", "2026.2")
