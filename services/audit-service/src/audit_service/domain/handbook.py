"""The rule sets as the factories' Handbook tells them: ranges, counts and deadlines computed by the
same rule objects that judge the audits, so the Handbook cannot say anything the platform does not apply."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydantic import BaseModel, Field

from audit_service.domain.questionnaire import QuestionKind
from audit_service.domain.rules import RuleBook
from shared_audits.contracts.enums import Announcement, AuditType, RatingLetter


class RecordMonth(BaseModel):
    id: str
    title: str


class ReviewedDocument(BaseModel):
    id: str
    title: str
    chapters: list[str] = Field(min_length=1)
    per_sampled_worker: bool = False


class DocumentRules(BaseModel):
    """What the auditor reviews on site; a versioned rule set like the others."""

    version: str
    description: str = ""
    worker_record_months: list[RecordMonth] = Field(min_length=1)
    documents: list[ReviewedDocument] = Field(min_length=1)


@dataclass(frozen=True)
class LetterRange:
    letter: RatingLetter
    min_percentage: float
    below_percentage: float | None  # the next letter's threshold; None for the top letter


@dataclass(frozen=True)
class SampleRange:
    min_workers: int
    max_workers: int | None  # None: no upper bound
    interviews: int
    focus_group_interviews: int
    individual_interviews: int
    documents: int
    auditor_days: float


@dataclass(frozen=True)
class CriticalQuestion:
    id: str
    text: str
    zero_tolerance_topic: str | None


@dataclass(frozen=True)
class ChapterOutline:
    id: str
    pillar: str
    title: str
    questions: int
    counts_by_kind: dict[str, int]
    critical_questions: list[CriticalQuestion]


@dataclass(frozen=True)
class AuditTypeRule:
    audit_type: AuditType
    auditor_days: float | None  # None: by workforce, from the sample ranges
    due_within_months: int | None
    due_from: str | None  # "report_published" or "last_full_audit"
    after_letters: list[RatingLetter]  # the letters that call for it; empty when any


@dataclass(frozen=True)
class AnnouncementRule:
    announcement: Announcement
    min_window_days: int | None


@dataclass(frozen=True)
class HandbookRules:
    versions: dict[str, str]
    letter_ranges: list[LetterRange]
    alert_caps_letter_at: RatingLetter
    alert_severities: list[str]
    zero_tolerance_topics: list[dict[str, str]]
    chapters: list[ChapterOutline]
    sample_ranges: list[SampleRange]
    focus_group_share: float
    months_of_records_per_document: int
    worker_record_months: list[RecordMonth]
    documents: list[ReviewedDocument]
    audit_types: list[AuditTypeRule]
    announcements: list[AnnouncementRule]
    report_due_working_days: int
    report_in_database_working_days: int
    due_notice_days: int


def handbook_rules(book: RuleBook, documents: DocumentRules) -> HandbookRules:
    """Everything the Handbook states, from the rule sets in force."""
    sampling, timing = book.sampling, book.timing
    return HandbookRules(
        versions={**book.versions(), "documents": documents.version},
        letter_ranges=_letter_ranges(book),
        alert_caps_letter_at=book.rating.alert_caps_letter_at,
        alert_severities=[str(severity) for severity in book.monitoring.alert_severities],
        zero_tolerance_topics=[topic.model_dump() for topic in book.monitoring.zero_tolerance_topics],
        chapters=_chapters(book),
        sample_ranges=_sample_ranges(book),
        focus_group_share=sampling.focus_group_share,
        months_of_records_per_document=sampling.months_of_records_per_document,
        worker_record_months=documents.worker_record_months,
        documents=documents.documents,
        audit_types=[
            AuditTypeRule(AuditType.INITIAL, None, None, None, []),
            AuditTypeRule(AuditType.FOLLOW_UP, sampling.required_for(1, AuditType.FOLLOW_UP).auditor_days,
                          timing.follow_up_due_months, "report_published", list(timing.follow_up_letters)),
            AuditTypeRule(AuditType.RE_AUDIT, None, timing.re_audit_due_months, "last_full_audit", []),
        ],
        announcements=[
            AnnouncementRule(Announcement.SEMI_ANNOUNCED, timing.semi_announced_min_window_days),
            AnnouncementRule(Announcement.UNANNOUNCED, None),
        ],
        report_due_working_days=timing.report_due_working_days,
        report_in_database_working_days=timing.report_in_database_working_days,
        due_notice_days=timing.due_notice_days,
    )


def _letter_ranges(book: RuleBook) -> list[LetterRange]:
    bands = sorted(book.rating.letter_bands, key=lambda band: band.min_percentage, reverse=True)
    ranges, below = [], None
    for band in bands:
        ranges.append(LetterRange(band.letter, band.min_percentage, below))
        below = band.min_percentage
    return ranges


def _sample_ranges(book: RuleBook) -> list[SampleRange]:
    """One range per band, its numbers taken from the sample the rules require of its smallest site."""
    sampling = book.sampling
    bands = sorted(sampling.bands, key=lambda band: math.inf if band.max_workers is None else band.max_workers)
    ranges, low = [], 1
    for band in bands:
        sample = sampling.required_for(low, AuditType.INITIAL)
        ranges.append(SampleRange(low, band.max_workers, sample.interviews, sample.focus_group_interviews,
                                  sample.individual_interviews, sample.documents, sample.auditor_days))
        if band.max_workers is None:
            break
        low = band.max_workers + 1
    return ranges


def _chapters(book: RuleBook) -> list[ChapterOutline]:
    outlines = []
    for chapter in book.questionnaire.chapters:
        questions = [q for q in book.questionnaire.questions if q.chapter == chapter.id]
        outlines.append(ChapterOutline(
            id=chapter.id, pillar=str(chapter.pillar), title=chapter.title, questions=len(questions),
            counts_by_kind={str(kind): sum(1 for q in questions if q.kind == kind) for kind in QuestionKind},
            critical_questions=[CriticalQuestion(q.id, q.text, q.zero_tolerance_topic)
                                for q in questions if q.kind == QuestionKind.CRITICAL],
        ))
    return outlines
