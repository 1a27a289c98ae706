"""The answer of GET /audits/rules."""

from pydantic import BaseModel, ConfigDict, Field

from shared_audits.contracts.enums import Announcement, AuditType, RatingLetter


class _FromDomain(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LetterRangeOut(_FromDomain):
    letter: RatingLetter
    min_percentage: float = Field(description="The lowest compliance percentage of the letter (included).")
    below_percentage: float | None = Field(description="The next letter's threshold (not included); null for A.")


class ZeroToleranceTopicOut(_FromDomain):
    id: str
    title: str


class CriticalQuestionOut(_FromDomain):
    id: str
    text: str
    zero_tolerance_topic: str | None


class ChapterOutlineOut(_FromDomain):
    id: str
    pillar: str = Field(examples=["social"])
    title: str
    questions: int
    counts_by_kind: dict[str, int] = Field(
        description="Questions by kind: information, rated, critical, best_practice.")
    critical_questions: list[CriticalQuestionOut] = Field(description="Questions whose 'no' raises an alert.")


class SampleRangeOut(_FromDomain):
    min_workers: int
    max_workers: int | None = Field(description="Null: no upper bound.")
    interviews: int
    focus_group_interviews: int
    individual_interviews: int
    documents: int = Field(description="Workers' files reviewed.")
    auditor_days: float


class RecordMonthOut(_FromDomain):
    id: str
    title: str


class ReviewedDocumentOut(_FromDomain):
    id: str
    title: str
    chapters: list[str]
    per_sampled_worker: bool = Field(description="Read in each sampled worker's file, for each record month.")


class AuditTypeRuleOut(_FromDomain):
    audit_type: AuditType
    auditor_days: float | None = Field(description="Null: by workforce (see sample_ranges).")
    due_within_months: int | None
    due_from: str | None = Field(examples=["report_published", "last_full_audit"])
    after_letters: list[RatingLetter] = Field(description="The letters that call for it; empty: any.")


class AnnouncementRuleOut(_FromDomain):
    announcement: Announcement
    min_window_days: int | None = Field(description="The shortest window the factory is told of; null: none.")


class RulesOut(_FromDomain):
    versions: dict[str, str] = Field(description="The version of each rule set this answer is made of.",
                                     examples=[{"rating": "2026.1", "questionnaire": "2026.1"}])
    letter_ranges: list[LetterRangeOut]
    alert_caps_letter_at: RatingLetter
    alert_severities: list[str]
    zero_tolerance_topics: list[ZeroToleranceTopicOut]
    chapters: list[ChapterOutlineOut]
    sample_ranges: list[SampleRangeOut]
    focus_group_share: float
    months_of_records_per_document: int
    worker_record_months: list[RecordMonthOut]
    documents: list[ReviewedDocumentOut]
    audit_types: list[AuditTypeRuleOut]
    announcements: list[AnnouncementRuleOut]
    report_due_working_days: int = Field(description="Working days after the audit's last day.")
    report_in_database_working_days: int
    due_notice_days: int = Field(description="Days before a follow-up or re-audit is due that it is announced.")
