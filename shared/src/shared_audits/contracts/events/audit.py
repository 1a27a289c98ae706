"""Events published by audit-service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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
    window_starts_on: date | None = None
    window_ends_on: date | None = None


class AuditMandateAccepted(EventPayload):
    TYPE = "AuditMandateAccepted"
    VERSION = 1
    TOPIC = topics.AUDIT

    audit_id: Id
    factory_id: Id
    audit_company_id: Id
    accepted_at: datetime


class AuditMandateDeclined(EventPayload):
    TYPE = "AuditMandateDeclined"
    VERSION = 1
    TOPIC = topics.AUDIT

    audit_id: Id
    factory_id: Id
    audit_company_id: Id
    reason: str | None = Field(default=None, max_length=2000)
    declined_at: datetime


class PublishedFinding(ContractModel):
    """A non-conformity as published with its report (a value inside an event)."""

    finding_id: Id
    chapter: str = Field(max_length=100)
    severity: FindingSeverity
    description: str = Field(max_length=4000)
    recommended_action: str = Field(max_length=4000)
    observation: str | None = Field(default=None, max_length=4000)
    question_id: str | None = Field(default=None, max_length=50)
    zero_tolerance_topic: str | None = Field(default=None, max_length=100)


class ChapterScore(ContractModel):
    """A chapter's score in a published report; ``percentage`` is None when nothing in it applied."""

    chapter: str = Field(max_length=100)
    percentage: float | None = Field(default=None, ge=0, le=100)
    nonconformities: int = Field(default=0, ge=0)


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
    chapter_scores: list[ChapterScore] | None = None
    questionnaire_version: str | None = None
    has_alert: bool | None = None
    flags: list[str] | None = None
    audit_last_day: date | None = None
    # A follow-up report names the audit whose findings it re-checks (optional: older producers omit it).
    follows_audit_id: Id | None = None
    # When the audit was mandated: its CAP takes the deadline rules in force then (older producers omit it).
    mandated_at: datetime | None = None


class CriticalFindingRaised(EventPayload):
    TYPE = "CriticalFindingRaised"
    VERSION = 1
    TOPIC = topics.AUDIT

    audit_id: Id
    factory_id: Id
    finding_id: Id
    chapter: str
    description: str
    zero_tolerance_topic: str | None = None
    question_id: str | None = None


class FollowUpAuditDue(EventPayload):
    TYPE = "FollowUpAuditDue"
    VERSION = 1
    TOPIC = topics.AUDIT

    audit_id: Id
    factory_id: Id
    due_on: date
    letter: RatingLetter | None = None


class ReAuditDue(EventPayload):
    """A factory's last full audit is getting old: a re-audit is due by ``due_on``."""

    TYPE = "ReAuditDue"
    VERSION = 1
    TOPIC = topics.AUDIT

    audit_id: Id
    factory_id: Id
    due_on: date
    last_full_audit_on: date


class AuditReportOverdue(EventPayload):
    """An accepted audit's report has not reached the platform by its due date.

    ``due_on`` is the window's last day plus the report working days of the timing rules
    (``timing_rules_version``), counted in the site's country. Raised once per audit; for the
    mandating member and the audit company. Unannounced audits have no window and are not watched.
    """

    TYPE = "AuditReportOverdue"
    VERSION = 1
    TOPIC = topics.AUDIT

    audit_id: Id
    factory_id: Id
    member_id: Id
    audit_company_id: Id
    window_ends_on: date
    due_on: date
    timing_rules_version: str = Field(max_length=50)


class RuleSetVersionPublished(EventPayload):
    """The operator published a new version of one of audit-service's rule sets (``kind``: questionnaire,
    rating, sampling, monitoring, timing or documents), in force from now: audits mandated from now on are
    bound to it; audits mandated before keep the versions they were mandated under. ``content`` is the rule
    set as GET /audits/rules/{kind}/versions/{version} returns it."""

    TYPE = "RuleSetVersionPublished"
    VERSION = 1
    TOPIC = topics.AUDIT

    kind: str = Field(max_length=50, examples=["rating"])
    version: str = Field(max_length=50, examples=["2026.2"])
    previous_version: str | None = Field(default=None, max_length=50)
    content: dict[str, Any]
    published_at: datetime

    def partition_key(self) -> str:
        # One key per kind, so consumers see its versions in order: the last is in force.
        return f"rules:{self.kind}"
