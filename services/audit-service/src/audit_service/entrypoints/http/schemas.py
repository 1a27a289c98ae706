"""Request and response bodies of audit-service's HTTP API."""

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from audit_service.domain.questionnaire import Answer, AnswerValue
from audit_service.domain.report import NewFinding
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType, FindingSeverity, RatingLetter

ShortText = Field(min_length=1, max_length=100)


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MandateAudit(Request):
    factory_id: str = Field(min_length=1, max_length=64)
    audit_company_id: str = Field(min_length=1, max_length=64)
    audit_type: AuditType = AuditType.INITIAL
    scope: AuditScope = AuditScope.SOCIAL
    announcement: Announcement = Announcement.SEMI_ANNOUNCED
    window_starts_on: date | None = Field(default=None, description="Semi-announced: first day of the window")
    window_ends_on: date | None = Field(default=None, description="Semi-announced: last day (at least 14 days on)")
    follows_audit_id: str | None = Field(
        default=None, min_length=1, max_length=64,
        description="A follow-up only: the audit of the same site whose findings it re-checks (its report "
                    "published, and one the caller may see); its report then updates that audit's CAP")


class AnswerMandate(Request):
    decision: Literal["accept", "decline"]
    reason: str | None = Field(default=None, max_length=2000)


# An answer or a finding of a request is the domain's value with the edge's limits: the use case
# takes it as it is, without a second validation (an import carries tens of thousands of them).
class AnswerIn(Answer, Request):
    question_id: str = Field(min_length=1, max_length=50)
    value: AnswerValue | None = Field(default=None, description="yes, no or not_applicable; none for information")
    note: str | None = Field(default=None, max_length=4000)


class FindingIn(NewFinding, Request):
    chapter: str = Field(min_length=1, max_length=20, description="Chapter id of the questionnaire, e.g. S9")
    severity: FindingSeverity
    description: str = Field(min_length=1, max_length=4000, description="The non-conformity")
    observation: str | None = Field(default=None, max_length=4000, description="What the auditor saw")
    recommended_action: str = Field(min_length=1, max_length=4000)
    question_id: str | None = Field(default=None, min_length=1, max_length=50)
    zero_tolerance_topic: str | None = Field(default=None, min_length=1, max_length=100)


class SubmitReport(Request):
    audit_first_day: date
    audit_last_day: date
    answers: list[AnswerIn] = Field(max_length=1000)
    findings: list[FindingIn] = Field(default_factory=list, max_length=500)
    workers_interviewed: int = Field(ge=0, le=100_000)
    documents_sampled: int = Field(ge=0, le=100_000)
    auditor_days: float = Field(ge=0, le=365)


class ImportedReportIn(SubmitReport):
    audit_id: str = Field(min_length=1, max_length=64, description="its id in the system it comes from")
    factory_id: str = Field(min_length=1, max_length=64)
    member_id: str = Field(min_length=1, max_length=64, description="the member that mandated it")
    audit_company_id: str = Field(min_length=1, max_length=64)
    audit_type: AuditType = AuditType.INITIAL
    scope: AuditScope = AuditScope.SOCIAL
    published_at: AwareDatetime
    workforce: int = Field(default=0, ge=0, le=1_000_000, description="for the required sample")
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$",
                                description="the site's country: counted at once, until the registry's event")


class ImportReports(Request):
    reports: list[ImportedReportIn] = Field(min_length=1, max_length=1000)


class ReportImportOut(BaseModel):
    imported: int
    already_imported: int
    rejected: list[dict[str, str]]


class AnswerOut(BaseModel):
    question_id: str
    value: AnswerValue | None
    note: str | None


class FindingOut(BaseModel):
    finding_id: str
    chapter: str
    severity: FindingSeverity
    description: str
    observation: str | None
    recommended_action: str
    question_id: str | None
    zero_tolerance_topic: str | None
    alert: bool


class ChapterScoreOut(BaseModel):
    chapter: str
    title: str
    percentage: float | None


class SampleOut(BaseModel):
    workforce: int
    audit_type: AuditType
    interviews: int
    focus_group_interviews: int
    individual_interviews: int
    documents: int
    months_of_records_per_document: int
    auditor_days: float
    rule_set_version: str


class ReportDetail(BaseModel):
    """The full report: members linked to the site, the audit company and the operator."""

    findings: list[FindingOut]
    answers: list[AnswerOut]
    nonconformities_by_chapter: dict[str, int]
    has_alert: bool
    audit_first_day: date
    audit_last_day: date
    due_on: date
    workers_interviewed: int
    documents_sampled: int
    auditor_days: float
    required_sample: SampleOut
    flags: list[str]
    rule_versions: dict[str, str]


class ReportOut(BaseModel):
    compliance_percentage: float
    letter: RatingLetter
    chapter_scores: list[ChapterScoreOut]
    rule_set_version: str
    published_at: datetime
    detail: ReportDetail | None = Field(
        default=None, description="Left out for the factory itself, which sees the chapter summary only"
    )
    findings: list[FindingOut] | None = Field(
        default=None, description="Same as detail.findings; left out for the factory itself"
    )


class DueOut(BaseModel):
    kind: str
    due_on: date
    state: str


class AuditOut(BaseModel):
    audit_id: str
    factory_id: str
    member_id: str = Field(description="The member that mandated the audit; to another member `linked-member`, "
                                       "unless a member group the operator published holds both")
    audit_company_id: str
    audit_type: AuditType
    scope: AuditScope
    announcement: Announcement
    window_starts_on: date | None
    window_ends_on: date | None
    status: str
    mandated_at: datetime
    decided_at: datetime | None
    decline_reason: str | None
    report: ReportOut | None
    due: list[DueOut]
    report_overdue_since: date | None = Field(
        default=None, description="Accepted, and the report not in the platform by its due date: since when")
    rule_versions: dict[str, str] = Field(
        default_factory=dict, examples=[{"rating": "2026.1", "questionnaire": "2026.1"}],
        description="The rule sets' versions in force when the audit was mandated, which its report is "
                    "validated and rated by (empty: mandated before audits recorded them)")
    follows_audit_id: str | None = Field(default=None, description="A follow-up: the audit whose findings it re-checks")


class QuestionOut(BaseModel):
    id: str
    chapter: str
    kind: str
    weight: float
    text: str
    zero_tolerance_topic: str | None


class ChapterOut(BaseModel):
    id: str
    pillar: str
    title: str


class QuestionnaireOut(BaseModel):
    version: str
    description: str
    chapters: list[ChapterOut]
    questions: list[QuestionOut]


class RiskCellOut(BaseModel):
    country: str
    chapter: str
    chapter_title: str
    factories: int | None
    nonconforming_factories: int | None
    nonconformity_rate: float | None
    suppressed: bool


class RiskOut(BaseModel):
    min_factories_per_cell: int | None
    rule_set_version: str
    cells: list[RiskCellOut]


class MandateOut(BaseModel):
    """One audit mandated to the calling audit company; the audit itself at GET /audits/{audit_id}."""

    audit_id: str
    factory_id: str
    factory_name: str | None = Field(description="As the registry announced it; None when not known here")
    factory_country: str | None
    factory_city: str | None
    member_id: str = Field(description="The member that mandated the audit")
    audit_type: AuditType
    scope: AuditScope
    announcement: Announcement
    window_starts_on: date | None
    window_ends_on: date | None
    status: str = Field(description="mandated, accepted, declined or report_published")
    mandated_at: datetime
    decided_at: datetime | None
    report_overdue_since: date | None = Field(
        default=None, description="Accepted, and the report not in the platform by its due date: since when")


class OverdueReportScan(Request):
    as_of: date


class OverdueReportScanOut(BaseModel):
    as_of: date
    audits_flagged: int
