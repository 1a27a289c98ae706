"""Judging a report: validation against the questionnaire and the rules, scores, letter, alerts, flags.

Pure: the audit aggregate calls ``rate_report`` and records what it returns.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from audit_service.domain.errors import ReportRejected
from audit_service.domain.questionnaire import Answer, Questionnaire, Scores
from audit_service.domain.rules import RuleBook
from audit_service.domain.sampling import SampleSize
from audit_service.domain.timing import MONDAY_TO_FRIDAY, WorkingCalendar
from shared_audits.contracts.enums import AuditScope, FindingSeverity, RatingLetter

if TYPE_CHECKING:
    from shared_audits.auth import Principal


class ReportFlag(StrEnum):
    LATE_REPORT = "late_report"
    INTERVIEWS_BELOW_SAMPLE = "interviews_below_sample"
    DOCUMENTS_BELOW_SAMPLE = "documents_below_sample"
    AUDITOR_DAYS_BELOW_SAMPLE = "auditor_days_below_sample"


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

    def summary(self) -> ReportSummary:
        """The rating and each chapter's score: what every reader of the audit sees."""
        return ReportSummary(
            compliance_percentage=self.compliance_percentage,
            letter=self.letter,
            chapter_scores=[ChapterSummary(chapter=c.chapter, title=c.title, percentage=c.percentage)
                            for c in self.chapter_scores],
            rule_set_version=self.rule_set_version,
            published_at=self.published_at,
        )

    def view_for(self, caller: Principal) -> ReportView:
        """The report as ``caller`` may read it (who may read the audit at all is checked before).

        Worker confidentiality: the factory itself sees the chapter summary, never the report
        (findings, answers, samples: what its workers told the auditors).
        """
        return ReportView(summary=self.summary(), full=None if caller.is_factory else self)


class ChapterSummary(BaseModel):
    chapter: str
    title: str
    percentage: float | None


class ReportSummary(BaseModel):
    """The rating of a report without its content: the letter, the percentage and each chapter's score."""

    compliance_percentage: float
    letter: RatingLetter
    chapter_scores: list[ChapterSummary]
    rule_set_version: str
    published_at: datetime


@dataclass(frozen=True)
class ReportView:
    """A report as one caller may read it: the summary always, the full report only when it may read it."""

    summary: ReportSummary
    full: Report | None


def rate_report(
    submission: ReportSubmission,
    scope: AuditScope,
    window: tuple[date, date] | None,
    rules: RuleBook,
    required_sample: SampleSize,
    now: datetime,
    calendar: WorkingCalendar = MONDAY_TO_FRIDAY,
    *,
    audit_id: str,
) -> Report:
    """The report the platform publishes for ``submission``, or ``ReportRejected`` listing every problem.

    Its due date counts the working days of ``calendar``, the site's country's. Every rated "no"
    is a finding: the auditor's when one names the question, else one written from the question.
    Finding ids derive from ``audit_id`` (and the question), so the same report has the same ids.
    """
    questionnaire = rules.questionnaire
    problems = questionnaire.answer_problems(scope, submission.answers)
    problems += _date_problems(submission, window, now.date())
    problems += _finding_problems(submission, scope, rules)
    if problems:
        raise ReportRejected(problems)
    scores = questionnaire.score(submission.answers)
    documented = {finding.question_id for finding in submission.findings}
    undocumented = [question_id for question_id in scores.critical_noes if question_id not in documented]
    if undocumented:
        raise ReportRejected([
            {"field": "findings", "message": f"critical question {question_id} was answered no: document it "
             "with a finding naming that question_id"}
            for question_id in undocumented
        ])

    findings = []
    ids = _FindingIds(audit_id)
    for new in submission.findings:
        question = questionnaire.question(new.question_id) if new.question_id else None
        topic = new.zero_tolerance_topic or (question.zero_tolerance_topic if question else None)
        alert = rules.monitoring.is_alert(new.severity, topic) or new.question_id in scores.critical_noes
        findings.append(Finding(**{**vars(new), "zero_tolerance_topic": topic},
                                finding_id=ids.next(new.question_id), alert=alert))
    has_alert = bool(scores.critical_noes) or any(finding.alert for finding in findings)
    # Counted from the written findings, as always: an unwritten "no" is already a non-conformity there.
    chapter_scores = _chapter_results(questionnaire, scope, scores, findings)
    findings += _unwritten_no_findings(scores, findings, rules, ids)
    report = Report(
        compliance_percentage=scores.percentage,
        letter=rules.rating.letter_for(scores.percentage, has_alert),
        has_alert=has_alert,
        chapter_scores=chapter_scores,
        findings=findings,
        answers=submission.answers,
        audit_first_day=submission.audit_first_day,
        audit_last_day=submission.audit_last_day,
        due_on=rules.timing.report_due_on(submission.audit_last_day, calendar),
        workers_interviewed=submission.workers_interviewed,
        documents_sampled=submission.documents_sampled,
        auditor_days=submission.auditor_days,
        required_sample=required_sample,
        flags=[],
        rule_set_version=rules.rating.version,
        rule_versions={**rules.versions(), "working_days": calendar.name},
        published_at=now,
    )
    report.flags = _flags(report, now.date())
    return report


UNWRITTEN_NO_ACTION = ("Bring the practice in line with this requirement of the Code of Conduct and keep "
                       "the records that show it; a follow-up audit checks the same question again.")


class _FindingIds:
    """Finding ids derived from the audit and the question (else the finding's place): stable on a re-run."""

    def __init__(self, audit_id: str) -> None:
        self.audit_id = audit_id
        self.used: Counter[str] = Counter()

    def next(self, question_id: str | None) -> str:
        key = f"question:{question_id}" if question_id else "unnamed"
        self.used[key] += 1
        name = f"finding-of-audit:{self.audit_id}:{key}:{self.used[key]}"
        return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _unwritten_no_findings(scores: Scores, written: list[Finding], rules: RuleBook, ids: _FindingIds) -> list[Finding]:
    """A finding for each rated "no" no written finding names, built from its question (never an alert)."""
    documented = {finding.question_id for finding in written if finding.question_id}
    findings = []
    for question_id in scores.noes:
        question = rules.questionnaire.question(question_id)
        if question_id in documented or question is None:
            continue
        findings.append(Finding(
            finding_id=ids.next(question_id),
            chapter=question.chapter,
            severity=rules.monitoring.unwritten_no_severity,
            description=f"Not met: {question.text}",
            recommended_action=UNWRITTEN_NO_ACTION,
            question_id=question_id,
        ))
    return findings


def _date_problems(
    submission: ReportSubmission, window: tuple[date, date] | None, today: date
) -> list[dict[str, str]]:
    problems = []
    if submission.audit_first_day > submission.audit_last_day:
        problems.append({"field": "audit_first_day", "message": "the audit's first day is after its last day"})
    if submission.audit_last_day > today:
        problems.append({"field": "audit_last_day", "message": "the audit's last day is in the future"})
    if window is not None:
        starts_on, ends_on = window
        if submission.audit_first_day < starts_on or submission.audit_last_day > ends_on:
            problems.append({"field": "audit_first_day", "message": "the audit days lie outside the announced "
                             f"window {starts_on} to {ends_on}"})
    return problems


def _finding_problems(submission: ReportSubmission, scope: AuditScope, rules: RuleBook) -> list[dict[str, str]]:
    chapters = {chapter.id for chapter in rules.questionnaire.chapters_in(scope)}
    questions = rules.questionnaire.scoped_questions(scope)
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
    # A "no" counts as a non-conformity of its chapter unless a finding documents it (then it is that finding).
    nonconformities = Counter(finding.chapter for finding in findings)
    nonconformities.update(questionnaire.question(question_id).chapter
                           for question_id in scores.noes if question_id not in documented)
    return [
        ChapterResult(chapter=chapter.id, title=chapter.title, percentage=scores.chapter_percentages.get(chapter.id),
                      nonconformities=nonconformities[chapter.id])
        for chapter in questionnaire.chapters_in(scope)
    ]


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
