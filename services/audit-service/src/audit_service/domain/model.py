"""Audits: mandated by a member, accepted by an audit company, reported and rated by the platform."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from audit_service.domain.report import NewFinding, Report, ReportSubmission, ReportView, rate_report
from audit_service.domain.rules import RuleBook
from audit_service.domain.sampling import SampleSize
from audit_service.domain.timing import MONDAY_TO_FRIDAY, TimingRules, WorkingCalendar
from shared_audits.aggregate import Aggregate
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType, RatingLetter
from shared_audits.contracts.events import (
    AuditMandateAccepted,
    AuditMandated,
    AuditMandateDeclined,
    AuditReportOverdue,
    AuditReportPublished,
    ChapterScore,
    CriticalFindingRaised,
    FollowUpAuditDue,
    PublishedFinding,
    ReAuditDue,
)
from shared_audits.errors import ConflictError, InvalidRequestError

if TYPE_CHECKING:
    from shared_audits.auth import Principal

FULL_AUDIT_TYPES = (AuditType.INITIAL, AuditType.RE_AUDIT)
__all__ = ["Audit", "AuditStatus", "AuditView", "DueAudit", "DueKind", "DueState", "ImportedReport", "NewFinding", "ReportSubmission"]


class AuditStatus(StrEnum):
    MANDATED = "mandated"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REPORT_PUBLISHED = "report_published"


class ImportedReport(BaseModel):
    """One report of an import: its id in the system it comes from is kept, so a re-run skips it."""

    audit_id: str
    factory_id: str
    member_id: str
    audit_company_id: str
    audit_type: AuditType = AuditType.INITIAL
    scope: AuditScope = AuditScope.SOCIAL
    published_at: datetime
    workforce: int = 0
    country: str | None = None  # the site's, as the old system knew it: counted before the registry's event
    submission: ReportSubmission


class DueKind(StrEnum):
    FOLLOW_UP = "follow_up"
    RE_AUDIT = "re_audit"


class DueState(StrEnum):
    PENDING = "pending"
    ANNOUNCED = "announced"
    SATISFIED = "satisfied"  # a later audit of the right type came first


class DueAudit(BaseModel):
    kind: DueKind
    due_on: date
    state: DueState = DueState.PENDING


class Audit(Aggregate):
    factory_id: str
    member_id: str
    audit_company_id: str
    audit_type: AuditType
    scope: AuditScope
    announcement: Announcement
    window_starts_on: date | None = None
    window_ends_on: date | None = None
    status: AuditStatus
    mandated_at: datetime
    decided_at: datetime | None = None
    decline_reason: str | None = None
    # The rule sets' versions in force when it was mandated (kind -> version), its report is judged by;
    # empty for audits mandated before mandates recorded them (judged by those in force then).
    rule_versions: dict[str, str] = Field(default_factory=dict)
    report: Report | None = None
    due: list[DueAudit] = Field(default_factory=list)
    due_pending: bool = False  # indexed: the due-date job looks only at these
    # The first day the report counted as overdue; set once, with AuditReportOverdue.
    report_overdue_since: date | None = None
    # A follow-up names the audit whose findings it re-checks; its report carries the name to cap-service.
    follows_audit_id: str | None = None

    @classmethod
    def mandate(
        cls,
        factory_id: str,
        member_id: str,
        audit_company_id: str,
        audit_type: AuditType,
        scope: AuditScope,
        announcement: Announcement,
        window: tuple[date, date] | None,
        timing: TimingRules,
        now: datetime,
        follows: Audit | None = None,
    ) -> Audit:
        """A new mandate; a follow-up may name the audit it ``follows`` (same site, report published)."""
        window_starts_on, window_ends_on = _checked_window(announcement, window, timing, now.date())
        if follows is not None:
            _check_followed(follows, factory_id, audit_type)
        audit = cls(
            id=str(uuid.uuid4()),
            factory_id=factory_id,
            member_id=member_id,
            audit_company_id=audit_company_id,
            audit_type=audit_type,
            scope=scope,
            announcement=announcement,
            window_starts_on=window_starts_on,
            window_ends_on=window_ends_on,
            status=AuditStatus.MANDATED,
            mandated_at=now,
            follows_audit_id=follows.id if follows else None,
        )
        audit.record(
            AuditMandated(
                audit_id=audit.id,
                factory_id=factory_id,
                member_id=member_id,
                audit_company_id=audit_company_id,
                audit_type=audit_type,
                scope=scope,
                announcement=announcement,
                window_starts_on=window_starts_on,
                window_ends_on=window_ends_on,
            )
        )
        return audit

    @classmethod
    def imported(cls, record: ImportedReport, rules: RuleBook, required_sample: SampleSize,
                 calendar: WorkingCalendar = MONDAY_TO_FRIDAY) -> Audit:
        """An audit reported in the system the platform replaces, rated by today's rules as of its
        publication day. It raises no event and schedules no due date: its alerts, CAPs and
        follow-ups belong to the system it comes from (and the due-date job reads every pending audit)."""
        scope = AuditScope(record.scope)
        report = rate_report(record.submission, scope, None, rules, required_sample, record.published_at, calendar,
                             audit_id=record.audit_id)
        return cls(
            id=record.audit_id,
            factory_id=record.factory_id,
            member_id=record.member_id,
            audit_company_id=record.audit_company_id,
            audit_type=record.audit_type,
            scope=scope,
            announcement=Announcement.UNANNOUNCED,
            status=AuditStatus.REPORT_PUBLISHED,
            mandated_at=record.published_at,
            decided_at=record.published_at,
            report=report,
        )

    def visible_to_factory(self) -> bool:
        """An unannounced audit stays unknown to its factory until the report is published."""
        return Announcement(self.announcement) != Announcement.UNANNOUNCED or self.status == AuditStatus.REPORT_PUBLISHED

    def view_for(self, caller: Principal) -> AuditView:
        """What ``caller`` reads of the audit (who may read it at all is checked before).

        The factory itself reads its report's summary only (``Report.view_for``), and neither the
        due follow-ups nor the overdue flag: they are the members' follow-up of the site.
        """
        factory = caller.is_factory
        return AuditView(
            audit=self,
            report=self.report.view_for(caller) if self.report is not None else None,
            due=[] if factory else list(self.due),
            report_overdue_since=None if factory else self.report_overdue_since,
        )

    def accept(self, now: datetime) -> None:
        self._require_status(AuditStatus.MANDATED, "the mandate was already answered")
        self.status = AuditStatus.ACCEPTED
        self.decided_at = now
        self.record(
            AuditMandateAccepted(
                audit_id=self.id, factory_id=self.factory_id, audit_company_id=self.audit_company_id, accepted_at=now
            )
        )

    def decline(self, reason: str | None, now: datetime) -> None:
        self._require_status(AuditStatus.MANDATED, "the mandate was already answered")
        self.status = AuditStatus.DECLINED
        self.decided_at = now
        self.decline_reason = reason
        self.record(
            AuditMandateDeclined(
                audit_id=self.id,
                factory_id=self.factory_id,
                audit_company_id=self.audit_company_id,
                reason=reason,
                declined_at=now,
            )
        )

    def publish_report(
        self, submission: ReportSubmission, rules: RuleBook, required_sample: SampleSize, now: datetime,
        calendar: WorkingCalendar = MONDAY_TO_FRIDAY,
    ) -> Report:
        """Validate the submission, rate it and record the report and its alerts (due dates in ``calendar``)."""
        if self.status == AuditStatus.REPORT_PUBLISHED:
            raise ConflictError("the report of this audit is already published")
        self._require_status(AuditStatus.ACCEPTED, "the audit company has not accepted this mandate")
        window = None
        if self.announcement == Announcement.SEMI_ANNOUNCED and self.window_starts_on and self.window_ends_on:
            window = (self.window_starts_on, self.window_ends_on)
        report = rate_report(submission, self.scope, window, rules, required_sample, now, calendar, audit_id=self.id)
        findings = report.findings
        self.report = report
        self.status = AuditStatus.REPORT_PUBLISHED
        self._schedule_due_audits(rules.timing, report.letter, now.date(), submission.audit_last_day)
        self.record(
            AuditReportPublished(
                audit_id=self.id,
                factory_id=self.factory_id,
                audit_type=self.audit_type,
                compliance_percentage=report.compliance_percentage,
                letter=report.letter,
                rule_set_version=report.rule_set_version,
                findings=[
                    PublishedFinding(**finding.model_dump(exclude={"alert"})) for finding in findings
                ],
                published_at=now,
                chapter_scores=[
                    ChapterScore(chapter=c.chapter, percentage=c.percentage, nonconformities=c.nonconformities)
                    for c in report.chapter_scores
                ],
                questionnaire_version=rules.questionnaire.version,
                has_alert=report.has_alert,
                flags=[str(flag) for flag in report.flags],
                audit_last_day=submission.audit_last_day,
                follows_audit_id=self.follows_audit_id,
                mandated_at=self.mandated_at,
            )
        )
        for finding in findings:
            if finding.alert:
                self.record(
                    CriticalFindingRaised(
                        audit_id=self.id,
                        factory_id=self.factory_id,
                        finding_id=finding.finding_id,
                        chapter=finding.chapter,
                        description=finding.description,
                        zero_tolerance_topic=finding.zero_tolerance_topic,
                        question_id=finding.question_id,
                    )
                )
        return report

    def report_in_database_by(self, timing: TimingRules, calendar: WorkingCalendar) -> date | None:
        """The last day for an awaited report, counted from the announced window's end; None when
        no report is awaited (not accepted, already published) or no window bounds the audit days."""
        if self.status != AuditStatus.ACCEPTED or self.window_ends_on is None:
            return None
        return timing.report_in_database_by(self.window_ends_on, calendar)

    def flag_report_overdue(self, today: date, timing: TimingRules, calendar: WorkingCalendar) -> bool:
        """Record AuditReportOverdue once, when ``today`` is past the day the report was due in the platform."""
        due_on = self.report_in_database_by(timing, calendar)
        if due_on is None or today <= due_on or self.report_overdue_since is not None:
            return False
        self.report_overdue_since = due_on + timedelta(days=1)
        self.record(
            AuditReportOverdue(
                audit_id=self.id,
                factory_id=self.factory_id,
                member_id=self.member_id,
                audit_company_id=self.audit_company_id,
                window_ends_on=self.window_ends_on,
                due_on=due_on,
                timing_rules_version=timing.version,
            )
        )
        return True

    def due_satisfied_by(self, audits_of_site: list[Audit]) -> set[DueKind]:
        """The due audits that the site's later published audits already made: a follow-up makes the
        follow-up; a full audit makes both."""
        later = [audit for audit in audits_of_site
                 if audit.report is not None and audit.id != self.id and self.report is not None
                 and audit.report.published_at > self.report.published_at]
        satisfied = set()
        if any(audit.audit_type == AuditType.FOLLOW_UP for audit in later):
            satisfied.add(DueKind.FOLLOW_UP)
        if any(audit.audit_type != AuditType.FOLLOW_UP for audit in later):
            satisfied |= {DueKind.FOLLOW_UP, DueKind.RE_AUDIT}
        return satisfied

    def announce_due(self, today: date, timing: TimingRules, satisfied: set[DueKind]) -> list[DueKind]:
        """Announce each pending due date that has come near, once; skip those a later audit met."""
        announced = []
        for due in self.due:
            if due.state != DueState.PENDING:
                continue
            if due.kind in satisfied:
                due.state = DueState.SATISFIED
            elif today >= timing.announce_from(due.due_on):
                due.state = DueState.ANNOUNCED
                announced.append(due.kind)
                if due.kind == DueKind.FOLLOW_UP:
                    letter = self.report.letter if self.report else None
                    self.record(
                        FollowUpAuditDue(audit_id=self.id, factory_id=self.factory_id, due_on=due.due_on, letter=letter)
                    )
                else:
                    self.record(
                        ReAuditDue(
                            audit_id=self.id,
                            factory_id=self.factory_id,
                            due_on=due.due_on,
                            last_full_audit_on=self.report.audit_last_day,
                        )
                    )
        self.due = list(self.due)  # re-validate the changed states
        self.due_pending = any(due.state == DueState.PENDING for due in self.due)
        return announced

    def _schedule_due_audits(self, timing: TimingRules, letter: RatingLetter, published_on: date, last_day: date) -> None:
        due = []
        follow_up_on = timing.follow_up_due_on(letter, published_on)
        if follow_up_on is not None:
            due.append(DueAudit(kind=DueKind.FOLLOW_UP, due_on=follow_up_on))
        if self.audit_type in FULL_AUDIT_TYPES:
            due.append(DueAudit(kind=DueKind.RE_AUDIT, due_on=timing.re_audit_due_on(last_day)))
        self.due = due
        self.due_pending = bool(due)

    def _require_status(self, status: AuditStatus, message: str) -> None:
        if self.status != status:
            raise ConflictError(f"{message} (status {self.status})")


@dataclass(frozen=True)
class AuditView:
    """An audit as one caller may read it: the parts it may not read are left out."""

    audit: Audit
    report: ReportView | None
    due: list[DueAudit]
    report_overdue_since: date | None


def _check_followed(follows: Audit, factory_id: str, audit_type: AuditType) -> None:
    if AuditType(audit_type) != AuditType.FOLLOW_UP:
        raise InvalidRequestError("only a follow-up audit names an audit it follows (follows_audit_id)")
    if follows.factory_id != factory_id:
        raise InvalidRequestError(f"audit {follows.id} is of another site: a follow-up re-checks an audit of its own site")
    if follows.status != AuditStatus.REPORT_PUBLISHED:
        raise ConflictError(f"audit {follows.id} has no published report yet: there is nothing to re-check")


def _checked_window(
    announcement: Announcement, window: tuple[date, date] | None, timing: TimingRules, today: date
) -> tuple[date | None, date | None]:
    if Announcement(announcement) == Announcement.UNANNOUNCED:
        if window is not None:
            raise InvalidRequestError("an unannounced audit has no announced window")
        return None, None
    if window is None:
        raise InvalidRequestError("a semi-announced audit needs window_starts_on and window_ends_on")
    starts_on, ends_on = window
    if (ends_on - starts_on).days < timing.semi_announced_min_window_days:
        raise InvalidRequestError(
            f"a semi-announced window lasts at least {timing.semi_announced_min_window_days} days "
            f"(timing rules {timing.version})"
        )
    return starts_on, ends_on
