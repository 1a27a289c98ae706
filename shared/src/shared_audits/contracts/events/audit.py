"""Events published by audit-service."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from shared_audits.contracts import topics
from shared_audits.contracts.enums import (
    Announcement,
    AuditScope,
    AuditType,
    FindingSeverity,
    RatingLetter,
)
from shared_audits.contracts.envelope import ContractModel, EventPayload

Id = str  # identifiers are opaque strings (UUID4 text)


class AuditMandated(EventPayload):
    TYPE = "AuditMandated"
    VERSION = 1
    TOPIC = topics.AUDIT

    audit_id: Id
    factory_id: Id
    member_id: Id
    audit_company_id: Id
    audit_type: AuditType
    scope: AuditScope
    announcement: Announcement


class PublishedFinding(ContractModel):
    """A non-conformity as published with its report (a value inside an event)."""

    finding_id: Id
    chapter: str = Field(max_length=100)
    severity: FindingSeverity
    description: str = Field(max_length=4000)
    recommended_action: str = Field(max_length=4000)


class AuditReportPublished(EventPayload):
    TYPE = "AuditReportPublished"
    VERSION = 1
    TOPIC = topics.AUDIT

    audit_id: Id
    factory_id: Id
    audit_type: AuditType
    compliance_percentage: float = Field(ge=0, le=100)
    letter: RatingLetter
    rule_set_version: str
    findings: list[PublishedFinding]
    published_at: datetime
    # A follow-up report names the audit whose findings it re-checks (optional: older producers omit it).
    follows_audit_id: Id | None = None


class CriticalFindingRaised(EventPayload):
    TYPE = "CriticalFindingRaised"
    VERSION = 1
    TOPIC = topics.AUDIT

    audit_id: Id
    factory_id: Id
    finding_id: Id
    chapter: str
    description: str


class FollowUpAuditDue(EventPayload):
    TYPE = "FollowUpAuditDue"
    VERSION = 1
    TOPIC = topics.AUDIT

    audit_id: Id
    factory_id: Id
    due_on: date
