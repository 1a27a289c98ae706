"""GET /audits/rules: the rule sets in force, told as the factories' Handbook tells them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from audit_service.adapters.document_rules import load_document_rules
from audit_service.adapters.rules import load_rule_book
from audit_service.domain.handbook import handbook_rules
from audit_service.domain.rules import RuleBook
from audit_service.entrypoints.http.rules_routes import router
from audit_service.service_layer.rule_books import RuleBooks
from shared_audits.auth import Principal
from shared_audits.contracts.enums import AuditType, OrganisationKind
from shared_audits.http import CurrentPrincipal


@pytest.fixture
def api(rule_books: RuleBooks) -> TestClient:
    app = FastAPI()
    app.state.audit_handlers = SimpleNamespace(rules=rule_books)
    app.include_router(router, prefix="/audits")
    factory = Principal(subject="u1", organisation_id="o1", organisation_kind=OrganisationKind.FACTORY,
                        factory_id="site-1")
    app.dependency_overrides[CurrentPrincipal.__metadata__[0].dependency] = lambda: factory
    return TestClient(app)


def test_a_factory_reads_the_rules_in_force_with_their_versions(api: TestClient, rules: RuleBook) -> None:
    answer = api.get("/audits/rules").json()
    assert answer["versions"] == {**rules.versions(), "documents": load_document_rules().version}
    assert [(r["letter"], r["min_percentage"], r["below_percentage"]) for r in answer["letter_ranges"]] == [
        ("A", 86, None), ("B", 71, 86), ("C", 51, 71), ("D", 30, 51), ("E", 0, 30)]
    assert answer["alert_caps_letter_at"] == "E" and answer["alert_severities"] == ["critical"]
    assert {t["id"] for t in answer["zero_tolerance_topics"]} == rules.monitoring.topic_ids()
    assert answer["report_due_working_days"] == 5 and answer["report_in_database_working_days"] == 10


def test_each_letter_range_gives_its_letter_under_the_rating_rules(rules: RuleBook) -> None:
    for letter_range in handbook_rules(rules, load_document_rules()).letter_ranges:
        assert rules.rating.letter_for(letter_range.min_percentage, has_alert=False) == letter_range.letter
        if letter_range.below_percentage is not None:
            just_below = letter_range.below_percentage - 0.1
            assert rules.rating.letter_for(just_below, has_alert=False) == letter_range.letter


def test_the_sample_ranges_hold_what_the_sampling_rules_require_at_both_ends(rules: RuleBook) -> None:
    ranges = handbook_rules(rules, load_document_rules()).sample_ranges
    assert [(r.min_workers, r.max_workers) for r in ranges] == [(1, 150), (151, 500), (501, 1200), (1201, None)]
    for sample_range in ranges:
        for workforce in (sample_range.min_workers, sample_range.max_workers or 100_000):
            required = rules.sampling.required_for(workforce, AuditType.INITIAL)
            assert (required.interviews, required.focus_group_interviews, required.individual_interviews,
                    required.documents, required.auditor_days) == (
                sample_range.interviews, sample_range.focus_group_interviews, sample_range.individual_interviews,
                sample_range.documents, sample_range.auditor_days)


def test_chapters_count_their_questions_and_name_the_critical_ones(rules: RuleBook) -> None:
    chapters = handbook_rules(rules, load_document_rules()).chapters
    assert sum(c.questions for c in chapters) == len(rules.questionnaire.questions)
    s9 = next(c for c in chapters if c.id == "S9")
    assert [q.id for q in s9.critical_questions] == ["S9.01", "S9.02"]
    assert {q.zero_tolerance_topic for q in s9.critical_questions} == {"imminent_danger"}
    assert sum(s9.counts_by_kind.values()) == s9.questions


def test_audit_types_follow_the_timing_and_sampling_rules(rules: RuleBook) -> None:
    types = {t.audit_type: t for t in handbook_rules(rules, load_document_rules()).audit_types}
    follow_up = types[AuditType.FOLLOW_UP]
    assert follow_up.auditor_days == rules.sampling.follow_up_auditor_days == 1
    assert (follow_up.due_within_months, follow_up.after_letters) == (12, ["D", "E"])
    assert types[AuditType.RE_AUDIT].due_within_months == 24 and types[AuditType.INITIAL].auditor_days is None


def test_the_documents_rule_set_agrees_with_the_questionnaire_and_the_sampling() -> None:
    book, documents = load_rule_book(), load_document_rules()
    chapter_ids = {c.id for c in book.questionnaire.chapters}
    assert all(set(d.chapters) <= chapter_ids for d in documents.documents)
    # One record month per month of records the sampling asks of each worker's file.
    assert len(documents.worker_record_months) == book.sampling.months_of_records_per_document
    assert any(d.per_sampled_worker for d in documents.documents)
