"""audit-service's use cases over in-memory fakes: mandates, readiness, reports, alerts, due dates."""

from datetime import date

import pytest

from audit_service.domain.errors import AuditNotReady, ReportRejected
from audit_service.domain.model import NewFinding
from audit_service.entrypoints.http.routes import _out
from audit_service.service_layer import handlers as handlers_module
from audit_service.service_layer.handlers import AuditHandlers
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType
from shared_audits.contracts.events import (
    AuditMandateAccepted,
    AuditMandated,
    AuditReportPublished,
    CriticalFindingRaised,
    FollowUpAuditDue,
    ReAuditDue,
)
from shared_audits.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from shared_audits.member_groups import LINKED_MEMBER, MemberGroups, MemberViewer
from shared_audits.testing import audit_company, factory_account, member, operator

WINDOW = (date(2026, 11, 1), date(2026, 11, 30))
MANDATE = (AuditType.INITIAL, AuditScope.SOCIAL, Announcement.SEMI_ANNOUNCED, WINDOW)
LOCKED_EXIT = NewFinding(
    chapter="S9", severity="major", question_id="S9.01", description="Emergency exit locked",
    observation="The exit next to line 4 was chained shut during working hours.", recommended_action="Unlock it",
)


async def accepted_audit(audits: AuditHandlers, audit_type: AuditType = AuditType.INITIAL, window=WINDOW):
    audit = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", audit_type, *MANDATE[1:3], window)
    return await audits.answer_mandate(audit_company("ac-1"), audit.id, accept=True, reason=None)


async def test_only_a_linked_member_mandates_an_audit(audits: AuditHandlers) -> None:
    with pytest.raises(NotFoundError):
        await audits.mandate_audit(member("m-c"), "f-1", "ac-1", *MANDATE)
    with pytest.raises(PermissionDeniedError):
        await audits.mandate_audit(factory_account("f-1"), "f-1", "ac-1", *MANDATE)
    with pytest.raises(InvalidRequestError):
        await audits.mandate_audit(member("m-a"), "f-1", "ac-unknown", *MANDATE)
    audit = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", *MANDATE)
    assert isinstance(audits.audits.published[0], AuditMandated)
    assert audit.member_id == "m-a" and audit.window_ends_on == date(2026, 11, 30)


async def test_a_semi_announced_window_lasts_at_least_two_weeks(audits: AuditHandlers) -> None:
    short = (date(2026, 12, 1), date(2026, 12, 10))
    with pytest.raises(InvalidRequestError, match="at least 14 days"):
        await audits.mandate_audit(member("m-a"), "f-1", "ac-1", AuditType.INITIAL, AuditScope.SOCIAL,
                                   Announcement.SEMI_ANNOUNCED, short)
    with pytest.raises(InvalidRequestError):
        await audits.mandate_audit(member("m-a"), "f-1", "ac-1", AuditType.INITIAL, AuditScope.SOCIAL,
                                   Announcement.SEMI_ANNOUNCED, None)
    with pytest.raises(InvalidRequestError):
        await audits.mandate_audit(member("m-a"), "f-1", "ac-1", AuditType.INITIAL, AuditScope.SOCIAL,
                                   Announcement.UNANNOUNCED, WINDOW)
    unannounced = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", AuditType.INITIAL, AuditScope.SOCIAL,
                                             Announcement.UNANNOUNCED, None)
    assert unannounced.window_starts_on is None


async def test_the_audit_company_accepts_or_declines_once(audits: AuditHandlers, make_ready, submission) -> None:
    await make_ready()
    audit = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", *MANDATE)
    with pytest.raises(ConflictError, match="not accepted"):
        await audits.submit_report(audit_company("ac-1"), audit.id, submission())
    with pytest.raises(PermissionDeniedError):
        await audits.answer_mandate(member("m-a"), audit.id, accept=True, reason=None)
    declined = await audits.answer_mandate(audit_company("ac-1"), audit.id, accept=False, reason="no capacity")
    assert declined.status == "declined" and declined.decline_reason == "no capacity"
    with pytest.raises(ConflictError):
        await audits.answer_mandate(audit_company("ac-1"), audit.id, accept=True, reason=None)
    with pytest.raises(ConflictError):
        await audits.submit_report(audit_company("ac-1"), audit.id, submission())

    other = await accepted_audit(audits)
    assert other.status == "accepted"
    assert isinstance(audits.audits.published[-1], AuditMandateAccepted)


async def test_no_report_before_the_profile_and_the_code_of_conduct(audits: AuditHandlers, make_ready,
                                                                    submission) -> None:
    audit = await accepted_audit(audits)
    with pytest.raises(AuditNotReady, match="Factory Profile.*Code of Conduct"):
        await audits.submit_report(audit_company("ac-1"), audit.id, submission())
    await make_ready(code_version="2025-06")
    # Once the platform knows the current version, an older signature no longer suffices.
    await audits.readiness.apply_current_version("2026-01")
    with pytest.raises(AuditNotReady, match="current Code of Conduct"):
        await audits.submit_report(audit_company("ac-1"), audit.id, submission())
    await make_ready(code_version="2026-01")
    published = await audits.submit_report(audit_company("ac-1"), audit.id, submission())
    assert published.report.letter == "A" and published.report.compliance_percentage == 100


async def test_the_platform_rates_from_weighted_answers(audits: AuditHandlers, make_ready, submission) -> None:
    await make_ready()
    audit = await accepted_audit(audits)
    noes = ("S7.02", "S7.03", "S8.01", "S8.03", "S9.03")  # weights 3 + 3 + 3 + 2 + 2 of 85 social points
    finding = NewFinding(chapter="S9", severity="major", question_id="S9.03", description="Extinguishers overdue",
                         recommended_action="Inspect and tag them")
    published = await audits.submit_report(audit_company("ac-1"), audit.id, submission(noes, [finding]))
    report = published.report
    assert report.compliance_percentage == round(100 * (85 - 13) / 85, 1)
    assert report.letter == "B" and not report.has_alert
    by_chapter = {c.chapter: c for c in report.chapter_scores}
    assert by_chapter["S7"].percentage == round(100 * 4 / 10, 1)
    assert by_chapter["S9"].nonconformities == 1 and by_chapter["S8"].nonconformities == 2
    assert by_chapter["S1"].percentage == 100 and "E1" not in by_chapter
    event = next(e for e in audits.audits.published if isinstance(e, AuditReportPublished))
    assert event.letter == "B" and event.questionnaire_version == "2026.1"
    assert not [e for e in audits.audits.published if isinstance(e, CriticalFindingRaised)]


async def test_not_applicable_answers_are_left_out_of_the_percentage(audits, make_ready, submission, rules) -> None:
    await make_ready()
    audit = await accepted_audit(audits)
    report = submission(noes=("S2.03",))
    for answer in report.answers:
        if answer.question_id in ("S2.02", "S2.04", "S2.05"):
            answer.value = "not_applicable"
    published = await audits.submit_report(audit_company("ac-1"), audit.id, report)
    by_chapter = {c.chapter: c.percentage for c in published.report.chapter_scores}
    assert by_chapter["S2"] == 0.0  # only S2.03 applied, and it was a "no"
    assert published.report.compliance_percentage == round(100 * (85 - 6 - 2) / (85 - 6), 1)


async def test_a_critical_no_caps_the_letter_and_raises_the_alert(audits, make_ready, submission) -> None:
    await make_ready()
    audit = await accepted_audit(audits)
    with pytest.raises(ReportRejected) as rejected:
        await audits.submit_report(audit_company("ac-1"), audit.id, submission(("S9.01",)))
    assert "S9.01" in rejected.value.errors[0]["message"]
    published = await audits.submit_report(audit_company("ac-1"), audit.id, submission(("S9.01",), [LOCKED_EXIT]))
    assert published.report.compliance_percentage > 90 and published.report.letter == "E"
    alerts = [e for e in audits.audits.published if isinstance(e, CriticalFindingRaised)]
    assert len(alerts) == 1 and alerts[0].zero_tolerance_topic == "imminent_danger"
    assert alerts[0].question_id == "S9.01"


async def test_a_zero_tolerance_topic_raises_an_alert_whatever_the_severity(audits, make_ready, submission) -> None:
    await make_ready()
    audit = await accepted_audit(audits)
    bribe = NewFinding(chapter="S1", severity="minor", zero_tolerance_topic="auditor_obstruction",
                       description="Manager offered the auditor an envelope of cash", recommended_action="Stop it")
    published = await audits.submit_report(audit_company("ac-1"), audit.id, submission(findings=[bribe]))
    assert published.report.letter == "E"
    alerts = [e for e in audits.audits.published if isinstance(e, CriticalFindingRaised)]
    assert [a.zero_tolerance_topic for a in alerts] == ["auditor_obstruction"]


async def test_bad_answers_are_refused_with_every_problem_listed(audits, make_ready, submission) -> None:
    await make_ready()
    audit = await accepted_audit(audits)
    report = submission()
    report.answers = [a for a in report.answers if a.question_id != "S3.02"]  # a rated answer missing
    report.answers.append(report.answers[0].model_copy(update={"question_id": "S99.01"}))  # unknown
    report.answers.append(report.answers[0].model_copy(update={"question_id": "E4.01"}))  # outside the scope
    report.answers[0] = report.answers[0].model_copy(update={"value": "yes"})  # S1.01 is an information question
    report.findings = [LOCKED_EXIT.model_copy(update={"chapter": "S8", "zero_tolerance_topic": "bad luck"})]
    with pytest.raises(ReportRejected) as rejected:
        await audits.submit_report(audit_company("ac-1"), audit.id, report)
    messages = " | ".join(problem["message"] for problem in rejected.value.errors)
    for expected in ("S3.02 is not answered", "S99.01 is not in the questionnaire", "E4.01 is outside",
                     "S1.01 is an information question", "belongs to chapter S9", "unknown topic"):
        assert expected in messages
    assert (await audits.audits.get(audit.id)).report is None  # nothing half-written


async def test_too_few_interviews_and_a_late_report_are_flagged(audits, make_ready, submission, clock) -> None:
    await make_ready(workforce=600)  # 501-1,200 workers: 20 interviews, 20 files, 3 auditor-days
    audit = await accepted_audit(audits)
    late = submission(audit_first_day=date(2026, 11, 9), audit_last_day=date(2026, 11, 10))
    published = await audits.submit_report(audit_company("ac-1"), audit.id, late)
    report = published.report
    assert report.due_on == date(2026, 11, 17)  # 5 working days after Tuesday 10 November
    assert report.required_sample.interviews == 20
    assert report.flags == ["late_report", "interviews_below_sample", "documents_below_sample",
                            "auditor_days_below_sample"]


async def test_audit_days_outside_the_announced_window_are_refused(audits, make_ready, submission) -> None:
    await make_ready()
    audit = await accepted_audit(audits)
    with pytest.raises(ReportRejected, match="outside the announced window"):
        await audits.submit_report(audit_company("ac-1"), audit.id,
                                   submission(audit_first_day=date(2026, 10, 30), audit_last_day=date(2026, 11, 2)))


async def test_the_factory_sees_the_chapter_summary_never_the_report(audits, make_ready, submission) -> None:
    await make_ready()
    audit = await accepted_audit(audits)
    published = await audits.submit_report(audit_company("ac-1"), audit.id, submission(("S9.01",), [LOCKED_EXIT]))
    factory, other_member = factory_account("f-1"), member("m-b")
    seen_by_factory = _out(published, factory, MemberViewer.of(factory, MemberGroups()))
    assert seen_by_factory.report.letter == "E" and len(seen_by_factory.report.chapter_scores) == 9
    assert seen_by_factory.report.detail is None and seen_by_factory.report.findings is None
    assert seen_by_factory.due == []
    seen_by_member = _out(published, other_member, MemberViewer.of(other_member, MemberGroups()))
    assert seen_by_member.report.detail.findings[0].observation.startswith("The exit")
    # The factory sees who mandated its audit; another linked member sees "a linked member".
    assert (seen_by_factory.member_id, seen_by_member.member_id) == ("m-a", LINKED_MEMBER)


async def test_the_audit_tells_each_caller_what_it_may_read_of_its_report(audits, make_ready, submission) -> None:
    await make_ready()
    audit = await accepted_audit(audits)
    published = await audits.submit_report(audit_company("ac-1"), audit.id, submission(("S9.01",), [LOCKED_EXIT]))

    factory_view = published.view_for(factory_account("f-1"))
    assert factory_view.report.full is None and factory_view.due == [] and factory_view.report_overdue_since is None
    assert factory_view.report.summary == published.report.summary()
    for reader in (member("m-a"), member("m-b"), audit_company("ac-1"), operator()):
        view = published.view_for(reader)
        assert view.report.full == published.report and view.due == published.due


async def test_due_dates_are_announced_once_by_the_scheduled_job(audits, make_ready, submission, clock) -> None:
    await make_ready()
    audit = await accepted_audit(audits)
    noes = ("S7.02", "S7.03", "S8.01", "S8.02", "S8.03", "S9.03", "S9.04", "S9.05", "S9.06", "S6.01", "S6.02",
            "S6.03", "S4.01", "S4.02", "S3.02", "S3.03", "S2.03", "S2.04", "S5.02", "S5.03", "S1.02", "S1.03")
    published = await audits.submit_report(audit_company("ac-1"), audit.id, submission(noes))
    assert published.report.letter == "D"
    due = {d.kind: d.due_on for d in published.due}
    assert due == {"follow_up": date(2027, 11, 20), "re_audit": date(2028, 11, 18)}

    assert await audits.announce_due_audits() == 0  # nothing near yet
    clock.advance(days=340)  # within 30 days of the follow-up's due date
    assert await audits.announce_due_audits() == 1
    assert await audits.announce_due_audits() == 0  # announced once
    follow_ups = [e for e in audits.audits.published if isinstance(e, FollowUpAuditDue)]
    assert [(e.due_on, e.letter) for e in follow_ups] == [(date(2027, 11, 20), "D")]

    clock.advance(days=365)
    assert await audits.announce_due_audits() == 1
    re_audits = [e for e in audits.audits.published if isinstance(e, ReAuditDue)]
    assert [(e.due_on, e.last_full_audit_on) for e in re_audits] == [(date(2028, 11, 18), date(2026, 11, 18))]
    assert (await audits.audits.get(audit.id)).due_pending is False


async def test_the_due_date_job_reads_every_page_of_pending_audits(
    audits, make_ready, submission, clock, monkeypatch
) -> None:
    monkeypatch.setattr(handlers_module, "SCAN_PAGE", 1)  # one audit a page: two sites are two pages
    audits.links.links |= {("m-a", "f-2")}
    due_dates = 0
    for factory_id in ("f-1", "f-2"):
        await make_ready(factory_id)
        audit = await audits.mandate_audit(member("m-a"), factory_id, "ac-1", *MANDATE)
        await audits.answer_mandate(audit_company("ac-1"), audit.id, accept=True, reason=None)
        published = await audits.submit_report(audit_company("ac-1"), audit.id, submission(("S7.02", "S7.03")))
        due_dates += len(published.due)

    clock.advance(days=5 * 365)  # every due date near or past

    assert due_dates >= 2 and await audits.announce_due_audits() == due_dates
    assert await audits.audits.find(due_pending=True) == []


async def test_a_later_full_audit_meets_the_re_audit_due_date(audits, make_ready, submission, clock) -> None:
    await make_ready()
    first = await accepted_audit(audits)
    await audits.submit_report(audit_company("ac-1"), first.id, submission())
    clock.advance(days=400)
    second = await accepted_audit(audits, AuditType.RE_AUDIT, (date(2027, 12, 1), date(2027, 12, 31)))
    second_days = dict(audit_first_day=date(2027, 12, 20), audit_last_day=date(2027, 12, 21))
    await audits.submit_report(audit_company("ac-1"), second.id, submission(**second_days))
    clock.advance(days=400)
    await audits.announce_due_audits()
    announced = [e for e in audits.audits.published if isinstance(e, ReAuditDue)]
    assert announced == []
    assert (await audits.audits.get(first.id)).due[0].state == "satisfied"


async def test_only_the_mandated_company_reports_and_only_once(audits, make_ready, submission) -> None:
    await make_ready()
    audit = await accepted_audit(audits)
    with pytest.raises(NotFoundError):
        await audits.submit_report(audit_company("ac-2"), audit.id, submission())
    with pytest.raises(PermissionDeniedError):
        await audits.submit_report(member("m-a"), audit.id, submission())
    await audits.submit_report(audit_company("ac-1"), audit.id, submission())
    with pytest.raises(ConflictError):
        await audits.submit_report(audit_company("ac-1"), audit.id, submission())


async def test_the_factory_learns_of_an_unannounced_audit_only_with_its_report(
    audits: AuditHandlers, make_ready, submission
) -> None:
    await make_ready()
    announced = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", *MANDATE)
    unannounced = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", AuditType.INITIAL, AuditScope.SOCIAL,
                                             Announcement.UNANNOUNCED, None)
    site = factory_account("f-1")
    assert [a.id for a in (await audits.audits_of_factory(site, "f-1")).audits] == [announced.id]
    with pytest.raises(NotFoundError):
        await audits.audit_for(site, unannounced.id)
    # The members and the audit company see it all along.
    assert len((await audits.audits_of_factory(member("m-b"), "f-1")).audits) == 2
    await audits.answer_mandate(audit_company("ac-1"), unannounced.id, accept=True, reason=None)
    await audits.submit_report(audit_company("ac-1"), unannounced.id, submission())
    assert (await audits.audit_for(site, unannounced.id)).report is not None
    assert {a.id for a in (await audits.audits_of_factory(site, "f-1")).audits} == {announced.id, unannounced.id}
