"""The operator imports reports from the system the platform replaces: rated, counted, re-runnable."""

from datetime import UTC, datetime

import pytest

from audit_service.domain.model import AuditStatus, ImportedReport
from audit_service.domain.report import NewFinding
from audit_service.service_layer.handlers import AuditHandlers
from shared_audits.contracts.envelope import wrap
from shared_audits.contracts.events import FactoryRegistered
from shared_audits.errors import PermissionDeniedError
from shared_audits.testing import member, operator

PUBLISHED = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)


def imported(audit_id: str, factory_id: str, submission) -> ImportedReport:
    return ImportedReport(audit_id=audit_id, factory_id=factory_id, member_id="m-a", audit_company_id="ac-1",
                          published_at=PUBLISHED, workforce=420, submission=submission)


async def test_imported_reports_are_rated_counted_in_the_risk_analysis_and_raise_no_event(
    audits: AuditHandlers, submission
) -> None:
    registered = FactoryRegistered(factory_id="f-9", name="Nine", country="BD")
    await audits.risk.apply_factory_registered(registered, wrap(registered, producer="test"))
    finding = NewFinding(chapter="S9", severity="major", description="Blocked aisle", recommended_action="Clear it")
    outcome = await audits.import_reports(operator(), [imported("old-1", "f-9", submission(findings=[finding]))])

    assert (outcome.imported, outcome.already_imported, outcome.rejected) == (1, 0, [])
    audit = await audits.audits.get("old-1")
    assert audit.status == AuditStatus.REPORT_PUBLISHED and audit.report.letter in "ABCDE"
    assert audits.audits.published == []  # no CAP opened, no alert: that happened in the old system
    counts = {(c.country, c.chapter): c.nonconforming_factories for c in await audits.risk.counts()}
    assert counts[("BD", "S9")] == 1 and counts[("BD", "S7")] == 0


async def test_a_re_run_skips_what_is_in_and_a_bad_record_is_listed(audits: AuditHandlers, submission) -> None:
    await audits.import_reports(operator(), [imported("old-1", "f-9", submission())])
    bad = submission(answers=[])  # no answers: not a report of the questionnaire
    outcome = await audits.import_reports(operator(), [imported("old-1", "f-9", submission()),
                                                       imported("old-2", "f-9", bad)])
    assert (outcome.imported, outcome.already_imported) == (0, 1)
    assert [r["audit_id"] for r in outcome.rejected] == ["old-2"]


async def test_only_the_operator_imports_reports(audits: AuditHandlers, submission) -> None:
    with pytest.raises(PermissionDeniedError):
        await audits.import_reports(member("m-a"), [imported("old-1", "f-1", submission())])


async def test_an_imported_country_counts_at_once_until_the_registry_says_otherwise(
    audits: AuditHandlers, submission
) -> None:
    record = imported("old-1", "f-9", submission()).model_copy(update={"country": "VN"})
    await audits.import_reports(operator(), [record])
    assert {c.country for c in await audits.risk.counts()} == {"VN"}

    registered = FactoryRegistered(factory_id="f-9", name="Nine", country="KH")
    await audits.risk.apply_factory_registered(registered, wrap(registered, producer="test"))
    assert {c.country for c in await audits.risk.counts()} == {"KH"}
