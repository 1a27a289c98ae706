"""A report that never arrives is told once: AuditReportOverdue, counted in the site's working days."""

from datetime import date

import pytest

from audit_service.domain.mandates import SiteName
from audit_service.service_layer.handlers import AuditHandlers
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType
from shared_audits.contracts.events import AuditReportOverdue
from shared_audits.errors import NotFoundError
from shared_audits.testing import audit_company, member, operator

# Bangladesh: Friday and Saturday off; Wednesday 16 December is Victory Day.
WINDOW_BEFORE_VICTORY_DAY = (date(2026, 12, 1), date(2026, 12, 15))
GAZIPUR = SiteName(name="Sunrise Garments", country="BD", city="Gazipur")


async def accepted(audits: AuditHandlers, announcement=Announcement.SEMI_ANNOUNCED, window=WINDOW_BEFORE_VICTORY_DAY):
    audit = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", AuditType.INITIAL, AuditScope.SOCIAL,
                                       announcement, window)
    return await audits.answer_mandate(audit_company("ac-1"), audit.id, accept=True, reason=None)


def overdue_events(audits: AuditHandlers) -> list[AuditReportOverdue]:
    return [event for event in audits.audits.published if isinstance(event, AuditReportOverdue)]


async def test_the_report_is_due_ten_working_days_after_the_window_in_the_sites_country(audits) -> None:
    audits.sites.sites["f-1"] = GAZIPUR
    audit = await accepted(audits)
    # Ten working days after Tuesday 15 December, skipping Victory Day, Christmas and the Friday-Saturday weekends.
    assert await audits.flag_overdue_reports(date(2026, 12, 30)) == 0  # due today is not late
    assert await audits.flag_overdue_reports(date(2026, 12, 31)) == 1
    [overdue] = overdue_events(audits)
    assert overdue == AuditReportOverdue(audit_id=audit.id, factory_id="f-1", member_id="m-a", audit_company_id="ac-1",
                                         window_ends_on=date(2026, 12, 15), due_on=date(2026, 12, 30),
                                         timing_rules_version="2026.1")
    assert (await audits.audits.get(audit.id)).report_overdue_since == date(2026, 12, 31)

    assert await audits.flag_overdue_reports(date(2027, 1, 31)) == 0  # once per audit
    assert len(overdue_events(audits)) == 1


async def test_a_site_of_unknown_country_counts_monday_to_friday(audits) -> None:
    await accepted(audits)
    assert await audits.flag_overdue_reports(date(2026, 12, 29)) == 0
    assert await audits.flag_overdue_reports(date(2026, 12, 30)) == 1
    assert overdue_events(audits)[0].due_on == date(2026, 12, 29)


async def test_reports_in_time_unanswered_mandates_and_unannounced_audits_are_not_overdue(
    audits, make_ready, submission
) -> None:
    await make_ready()
    reported = await accepted(audits, window=(date(2026, 11, 1), date(2026, 11, 30)))
    await audits.submit_report(audit_company("ac-1"), reported.id, submission())
    await audits.mandate_audit(member("m-a"), "f-1", "ac-1", AuditType.INITIAL, AuditScope.SOCIAL,
                               Announcement.SEMI_ANNOUNCED, WINDOW_BEFORE_VICTORY_DAY)  # never answered
    await accepted(audits, Announcement.UNANNOUNCED, None)  # no window bounds its audit days
    assert await audits.flag_overdue_reports(date(2027, 6, 1)) == 0
    assert overdue_events(audits) == []


async def test_the_operator_runs_the_check_as_of_a_day_in_development_only(audits) -> None:
    await accepted(audits)
    with pytest.raises(NotFoundError):
        await audits.scan_overdue_reports_as_of(operator(), date(2027, 1, 4))
    audits.clock_override_allowed = True
    with pytest.raises(NotFoundError):
        await audits.scan_overdue_reports_as_of(member("m-a"), date(2027, 1, 4))
    assert await audits.scan_overdue_reports_as_of(operator(), date(2027, 1, 4)) == 1


async def test_a_reports_due_date_counts_the_sites_working_days_and_names_its_calendar(
    audits, make_ready, submission, clock
) -> None:
    audits.sites.sites["f-1"] = GAZIPUR
    await make_ready()
    audit = await accepted(audits)
    clock.advance(days=30)  # Sunday 20 December
    published = await audits.submit_report(audit_company("ac-1"), audit.id, submission(
        audit_first_day=date(2026, 12, 14), audit_last_day=date(2026, 12, 15)))
    assert published.report.due_on == date(2026, 12, 23)  # not the 22nd: Victory Day and a Friday off
    assert published.report.rule_versions["working_days"] == "BD weekend and public holidays (holidays 0.108)"
