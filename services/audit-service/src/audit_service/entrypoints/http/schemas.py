from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared_audits.contracts.enums import Announcement, AuditScope, AuditType, FindingSeverity, RatingLetter


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MandateAudit(Request):
    factory_id: str = Field(min_length=1, max_length=64)
    audit_company_id: str = Field(min_length=1, max_length=64)
    audit_type: AuditType = AuditType.INITIAL
    scope: AuditScope = AuditScope.SOCIAL
    announcement: Announcement = Announcement.SEMI_ANNOUNCED


class FindingIn(Request):
    chapter: str = Field(min_length=1, max_length=100)
    severity: FindingSeverity
    description: str = Field(min_length=1, max_length=4000)
    recommended_action: str = Field(min_length=1, max_length=4000)


class SubmitReport(Request):
    compliance_percentage: float = Field(ge=0, le=100)
    findings: list[FindingIn] = Field(default_factory=list, max_length=500)


class FindingOut(BaseModel):
    finding_id: str
    chapter: str
    severity: FindingSeverity
    description: str
    recommended_action: str


class ReportOut(BaseModel):
    compliance_percentage: float
    letter: RatingLetter
    rule_set_version: str
    published_at: datetime
    findings: list[FindingOut] | None = Field(
        default=None, description="Left out for the factory itself, which sees the summary only"
    )


class AuditOut(BaseModel):
    audit_id: str
    factory_id: str
    member_id: str
    audit_company_id: str
    audit_type: AuditType
    scope: AuditScope
    announcement: Announcement
    status: str
    mandated_at: datetime
    report: ReportOut | None
