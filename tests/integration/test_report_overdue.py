"""A report that never arrives is detected, through the gateway: AuditReportOverdue once, after the
report's due date counted in the working days of the site's country (Bangladesh: Friday and Saturday
off, and its public holidays), to the mandating member only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays
import pytest

from shared_audits_client import ApiError, PlatformClient, eventually
from shared_audits_client.feed import read_whole_feed, wait_for_feed_record
from shared_audits_client.story import Cast, link_with_consent
from tests.integration.stack import Stack

# serial: the operator's as-of scan flags every overdue report on the stack (runs after the parallel part of make test).
pytestmark = pytest.mark.serial

REPORT_IN_DATABASE_WORKING_DAYS = 10  # timing rules 2026.1
BANGLADESH = holidays.country_holidays("BD")  # the cast's site is in Bangladesh


def next_holiday_on_a_working_weekday(after: date) -> date:
    """The first Bangladeshi public holiday after ``after`` that would otherwise be a working day."""
    day = after
    while not (day in BANGLADESH and day.weekday() not in BANGLADESH.weekend):
        day += timedelta(days=1)
    return day


def working_days_after(start: date, days: int) -> date:
    current = start
    while days:
        current += timedelta(days=1)
        days -= BANGLADESH.is_working_day(current)
    return current


def run_overdue_check(client: PlatformClient, as_of: date) -> dict:
    """The scheduled check as of a day: operators, development only."""
    return client.call("POST", "/audits/report-overdue-scans", json={"as_of": as_of.isoformat()})


def test_a_report_that_never_arrives_is_told_once_to_the_mandating_member(stack: Stack, cast: Cast) -> None:
    for member in (cast.member_a, cast.member_b):
        link_with_consent(member, cast.factory, cast.factory_id)
    # A window ending the day before a public holiday, far enough ahead that the real clock's job stays away.
    holiday = next_holiday_on_a_working_weekday(datetime.now(UTC).date() + timedelta(days=30))
    window_ends_on = holiday - timedelta(days=1)
    window = {"window_starts_on": (window_ends_on - timedelta(days=14)).isoformat(),
              "window_ends_on": window_ends_on.isoformat()}
    auditor_id = cast.organisations["auditor"].organisation_id
    audit = eventually(lambda: cast.member_a.mandate_audit(cast.factory_id, auditor_id, audit_type="initial",
                                                           scope="social", announcement="semi_announced", **window))
    cast.auditor.answer_mandate(audit["audit_id"], "accept")

    due_on = working_days_after(window_ends_on, REPORT_IN_DATABASE_WORKING_DAYS)
    assert holiday < due_on
    with pytest.raises(ApiError) as refused:
        run_overdue_check(cast.member_a, due_on + timedelta(days=1))
    assert refused.value.status == 404  # only the operator, and only in development
    run_overdue_check(cast.operator, due_on)
    assert cast.member_a.audit(audit["audit_id"])["report_overdue_since"] is None  # due that day is not late

    run_overdue_check(cast.operator, due_on + timedelta(days=1))
    run_overdue_check(cast.operator, due_on + timedelta(days=30))
    assert cast.member_a.audit(audit["audit_id"])["report_overdue_since"] == (due_on + timedelta(days=1)).isoformat()
    # The audit company sees it on its mandate too (notifier has no channel to audit companies).
    seen_by_auditor = cast.auditor.audit(audit["audit_id"])
    assert seen_by_auditor["report_overdue_since"] == (due_on + timedelta(days=1)).isoformat()

    member_a = cast.organisations["member_a"].organisation_id
    record = wait_for_feed_record(
        stack.kafka_bootstrap, member_a,
        lambda e: e["type"] == "AuditReportOverdue" and e["payload"]["audit_id"] == audit["audit_id"],
    )
    assert record is not None, "AuditReportOverdue never reached the mandating member's feed"
    assert record.envelope["payload"] == {
        "audit_id": audit["audit_id"], "factory_id": cast.factory_id, "member_id": member_a,
        "audit_company_id": auditor_id, "window_ends_on": window_ends_on.isoformat(), "due_on": due_on.isoformat(),
        "timing_rules_version": "2026.1",
    }
    told = [e for e in read_whole_feed(stack.kafka_bootstrap, member_a)
            if e["type"] == "AuditReportOverdue" and e["payload"]["audit_id"] == audit["audit_id"]]
    assert len(told) == 1  # once, however often the check runs

    def in_inbox_of_a() -> None:
        assert any(entry["event_type"] == "AuditReportOverdue" for entry in cast.member_a.inbox())

    eventually(in_inbox_of_a)
    # Member B, linked to the same site, hears nothing of A's audit company being late.
    member_b = cast.organisations["member_b"].organisation_id
    assert not any(e["type"] == "AuditReportOverdue" for e in read_whole_feed(stack.kafka_bootstrap, member_b))
    assert not any(entry["event_type"] == "AuditReportOverdue" for entry in cast.member_b.inbox())
