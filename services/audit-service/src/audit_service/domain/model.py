"""Audits: mandated by a member, accepted by an audit company, reported and rated by the platform."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from audit_service.domain.errors import ReportRejected
from audit_service.domain.questionnaire import Answer, Questionnaire, Scores
from audit_service.domain.rules import RuleBook
from audit_service.domain.sampling import SampleSize
from audit_service.domain.timing import TimingRules
from shared_audits.aggregate import Aggregate
from shared_audits.contracts.enums import (
    Announcement,
    AuditScope,
    AuditType,
    FindingSeverity,
    RatingLetter,
)
from shared_audits.contracts.events import (
    AuditMandateAccepted,
    AuditMandated,
    AuditMandateDeclined,
    AuditReportPublished,
    ChapterScore,
    CriticalFindingRaised,
    FollowUpAuditDue,
    PublishedFinding,
    ReAuditDue,
)
from shared_audits.errors import ConflictError, InvalidRequestError

FULL_AUDIT_TYPES = (AuditType.INITIAL, AuditType.RE_AUDIT)


class AuditStatus(StrEnum):
    MANDATED = "mandated"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REPORT_PUBLISHED = "report_published"


class ReportFlag(StrEnum):
    LATE_REPORT = "late_report"
    INTERVIEWS_BELOW_SAMPLE = "interviews_below_sample"
    DOCUMENTS_BELOW_SAMPLE = "documents_below_sample"
    AUDITOR_DAYS_BELOW_SAMPLE = "auditor_days_below_sample"


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


class NewFinding(BaseModel):
    chapter: str
    severity: FindingSeverity
    description: str
    recommended_action: str
    observation: str | None = None
    question_id: str | None = None
    zero_tolerance_topic: str | None = None


class Finding(NewFinding):
    finding_id: str
    alert: bool = False


class ReportSubmission(BaseModel):
    """What the audit company declares; everything rated is computed by the platform."""

    audit_first_day: date
    audit_last_day: date
    answers: list[Answer]
    findings: list[NewFinding]
    workers_interviewed: int = Field(ge=0)
    documents_sampled: int = Field(ge=0)
    auditor_days: float = Field(ge=0)


class ChapterResult(BaseModel):
    chapter: str
    title: str
    percentage: float | None
    nonconformities: int


class Report(BaseModel):
    compliance_percentage: float
    letter: RatingLetter
    has_alert: bool
    chapter_scores: list[ChapterResult]
    findings: list[Finding]
    answers: list[Answer]
    audit_first_day: date
    audit_last_day: date
    due_on: date
    workers_interviewed: int
    documents_sampled: int
    auditor_days: float
    required_sample: SampleSize
    flags: list[ReportFlag]
    rule_set_version: str  # the rating rules; the others are in rule_versions
    rule_versions: dict[str, str]
    published_at: datetime


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
    report: Report | None = None
    due: list[DueAudit] = Field(default_factory=list)
    due_pending: bool = False  # indexed: the due-date job looks only at these

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
    ) -> Audit:
        window_starts_on, window_ends_on = _checked_window(announcement, window, timing, now.date())
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
        self, submission: ReportSubmission, rules: RuleBook, required_sample: SampleSize, now: datetime
    ) -> Report:
        """Validate the submission, rate it and record the report and its alerts."""
        if self.status == AuditStatus.REPORT_PUBLISHED:
            raise ConflictError("the report of this audit is already published")
        self._require_status(AuditStatus.ACCEPTED, "the audit company has not accepted this mandate")
        questionnaire = rules.questionnaire
        problems = questionnaire.answer_problems(self.scope, submission.answers)
        problems += self._date_problems(submission, now.date())
        problems += _finding_problems(submission, self.scope, rules)
        scores = questionnaire.score(submission.answers) if not problems else None
        if scores:
            documented = {finding.question_id for finding in submission.findings}
            for question_id in scores.critical_noes:
                if question_id not in documented:
                    problems.append({"field": "findings", "message": f"critical question {question_id} was "
                                     "answered no: document it with a finding naming that question_id"})
        if problems or scores is None:
            raise ReportRejected(problems)

        findings = []
        for new in submission.findings:
            question = questionnaire.question(new.question_id) if new.question_id else None
            topic = new.zero_tolerance_topic or (question.zero_tolerance_topic if question else None)
            finding = Finding(finding_id=str(uuid.uuid4()), **{**new.model_dump(), "zero_tolerance_topic": topic})
            finding.alert = rules.monitoring.is_alert(finding.severity, topic) or (
                finding.question_id in scores.critical_noes
            )
            findings.append(finding)
        has_alert = bool(scores.critical_noes) or any(finding.alert for finding in findings)
        letter = rules.rating.letter_for(scores.percentage, has_alert)
        published_on = now.date()
        report = Report(
            compliance_percentage=scores.percentage,
            letter=letter,
            has_alert=has_alert,
            chapter_scores=_chapter_results(questionnaire, self.scope, scores, findings),
            findings=findings,
            answers=submission.answers,
            audit_first_day=submission.audit_first_day,
            audit_last_day=submission.audit_last_day,
            due_on=rules.timing.report_due_on(submission.audit_last_day),
            workers_interviewed=submission.workers_interviewed,
            documents_sampled=submission.documents_sampled,
            auditor_days=submission.auditor_days,
            required_sample=required_sample,
            flags=[],
            rule_set_version=rules.rating.version,
            rule_versions=rules.versions(),
            published_at=now,
        )
        report.flags = _flags(report, published_on)
        self.report = report
        self.status = AuditStatus.REPORT_PUBLISHED
        self._schedule_due_audits(rules.timing, letter, published_on, submission.audit_last_day)
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
                questionnaire_version=questionnaire.version,
                has_alert=has_alert,
                flags=[str(flag) for flag in report.flags],
                audit_last_day=submission.audit_last_day,
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

    def _date_problems(self, submission: ReportSubmission, today: date) -> list[dict[str, str]]:
        problems = []
        if submission.audit_first_day > submission.audit_last_day:
            problems.append({"field": "audit_first_day", "message": "the audit's first day is after its last day"})
        if submission.audit_last_day > today:
            problems.append({"field": "audit_last_day", "message": "the audit's last day is in the future"})
        if self.announcement == Announcement.SEMI_ANNOUNCED and self.window_starts_on and self.window_ends_on:
            if submission.audit_first_day < self.window_starts_on or submission.audit_last_day > self.window_ends_on:
                problems.append({"field": "audit_first_day", "message": "the audit days lie outside the announced "
                                 f"window {self.window_starts_on} to {self.window_ends_on}"})
        return problems

    def _require_status(self, status: AuditStatus, message: str) -> None:
        if self.status != status:
            raise ConflictError(f"{message} (status {self.status})")


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


def _finding_problems(submission: ReportSubmission, scope: AuditScope, rules: RuleBook) -> list[dict[str, str]]:
    chapters = {chapter.id for chapter in rules.questionnaire.chapters_in(scope)}
    questions = {question.id: question for question in rules.questionnaire.questions_in(scope)}
    topics = rules.monitoring.topic_ids()
    problems = []
    for index, finding in enumerate(submission.findings):
        where = f"findings.{index}"
        if finding.chapter not in chapters:
            problems.append({"field": f"{where}.chapter", "message": f"chapter {finding.chapter} is not in the "
                             "audit's scope of the questionnaire"})
        if finding.question_id is not None:
            question = questions.get(finding.question_id)
            if question is None:
                problems.append({"field": f"{where}.question_id",
                                 "message": f"question {finding.question_id} is not in the audit's scope"})
            elif question.chapter != finding.chapter:
                problems.append({"field": f"{where}.question_id",
                                 "message": f"question {finding.question_id} belongs to chapter {question.chapter}"})
        if finding.zero_tolerance_topic is not None and finding.zero_tolerance_topic not in topics:
            problems.append({"field": f"{where}.zero_tolerance_topic",
                             "message": f"unknown topic; one of {', '.join(sorted(topics))}"})
    return problems


def _chapter_results(
    questionnaire: Questionnaire, scope: AuditScope, scores: Scores, findings: list[Finding]
) -> list[ChapterResult]:
    documented = {finding.question_id for finding in findings if finding.question_id}
    results = []
    for chapter in questionnaire.chapters_in(scope):
        undocumented_noes = [
            question_id for question_id in scores.noes
            if question_id not in documented and questionnaire.question(question_id).chapter == chapter.id
        ]
        results.append(
            ChapterResult(
                chapter=chapter.id,
                title=chapter.title,
                percentage=scores.chapter_percentages.get(chapter.id),
                nonconformities=sum(1 for f in findings if f.chapter == chapter.id) + len(undocumented_noes),
            )
        )
    return results


def _flags(report: Report, published_on: date) -> list[ReportFlag]:
    flags = []
    if published_on > report.due_on:
        flags.append(ReportFlag.LATE_REPORT)
    required = report.required_sample
    if report.workers_interviewed < required.interviews:
        flags.append(ReportFlag.INTERVIEWS_BELOW_SAMPLE)
    if report.documents_sampled < required.documents:
        flags.append(ReportFlag.DOCUMENTS_BELOW_SAMPLE)
    if report.auditor_days < required.auditor_days:
        flags.append(ReportFlag.AUDITOR_DAYS_BELOW_SAMPLE)
    return flags
