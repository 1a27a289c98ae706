"""Versioned payloads of every integration event, grouped by producing service.

Each class names its type, version and topic. ``EVENT_TYPES`` maps
``(type, version)`` to its class so consumers can validate what they receive.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from shared_audits.contracts import topics
from shared_audits.contracts.enums import (
    Announcement,
    AuditScope,
    AuditType,
    CapItemStatus,
    FindingSeverity,
    LinkRelationship,
    OrganisationKind,
    RatingLetter,
)
from shared_audits.contracts.envelope import ContractModel, EventPayload

Id = str  # identifiers are opaque strings (UUID4 text)


# --- access-control -------------------------------------------------------------


class OrganisationRegistered(EventPayload):
    TYPE = "OrganisationRegistered"
    VERSION = 1
    TOPIC = topics.ACCESS

    organisation_id: Id
    name: str = Field(max_length=200)
    kind: OrganisationKind
    factory_id: Id | None = None

    def partition_key(self) -> str:
        return self.organisation_id


class FactoryLinked(EventPayload):
    TYPE = "FactoryLinked"
    VERSION = 1
    TOPIC = topics.ACCESS

    member_id: Id
    factory_id: Id
    relationship: LinkRelationship
    linked_at: datetime


class FactoryUnlinked(EventPayload):
    TYPE = "FactoryUnlinked"
    VERSION = 1
    TOPIC = topics.ACCESS

    member_id: Id
    factory_id: Id
    unlinked_at: datetime


class CodeOfConductSigned(EventPayload):
    TYPE = "CodeOfConductSigned"
    VERSION = 1
    TOPIC = topics.ACCESS

    organisation_id: Id
    code_version: str = Field(max_length=50)
    signed_by: str = Field(max_length=200)
    signed_at: datetime
    factory_id: Id | None = None

    def partition_key(self) -> str:
        return self.factory_id or self.organisation_id


# --- factory-registry -----------------------------------------------------------


class FactoryRegistered(EventPayload):
    TYPE = "FactoryRegistered"
    VERSION = 1
    TOPIC = topics.REGISTRY

    factory_id: Id
    name: str = Field(max_length=200)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    city: str | None = Field(default=None, max_length=100)


class FactoryProfileSubmitted(EventPayload):
    TYPE = "FactoryProfileSubmitted"
    VERSION = 1
    TOPIC = topics.REGISTRY

    factory_id: Id
    profile_version: int = Field(ge=1)
    workforce_total: int = Field(ge=0)


class FactoriesMerged(EventPayload):
    TYPE = "FactoriesMerged"
    VERSION = 1
    TOPIC = topics.REGISTRY

    factory_id: Id  # the surviving site
    merged_factory_id: Id


# --- audit-service --------------------------------------------------------------


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


# --- cap-service ----------------------------------------------------------------


class CapProgress(ContractModel):
    items_closed: int = Field(ge=0)
    items_total: int = Field(ge=0)


class OpenedCapItem(ContractModel):
    item_id: Id
    finding_id: Id
    severity: FindingSeverity
    description: str
    recommended_action: str
    deadline: date


class CapOpened(EventPayload):
    TYPE = "CapOpened"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    audit_id: Id
    factory_id: Id
    items: list[OpenedCapItem]
    rule_set_version: str


class CapItemEvidenceSubmitted(EventPayload):
    TYPE = "CapItemEvidenceSubmitted"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    item_id: Id
    factory_id: Id
    evidence_id: Id


class CapItemAccepted(EventPayload):
    TYPE = "CapItemAccepted"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    item_id: Id
    factory_id: Id
    member_id: Id
    decided_by: str
    comment: str | None = None
    decided_at: datetime
    progress: CapProgress


class CapItemRejected(EventPayload):
    TYPE = "CapItemRejected"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    item_id: Id
    factory_id: Id
    member_id: Id
    decided_by: str
    comment: str
    decided_at: datetime


class CapItemOverdue(EventPayload):
    TYPE = "CapItemOverdue"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    item_id: Id
    factory_id: Id
    deadline: date
    status: CapItemStatus


class CapClosed(EventPayload):
    TYPE = "CapClosed"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    factory_id: Id
    closed_at: datetime


# --- evidence-store -------------------------------------------------------------


class EvidenceStored(EventPayload):
    TYPE = "EvidenceStored"
    VERSION = 1
    TOPIC = topics.EVIDENCE

    evidence_id: Id
    factory_id: Id
    cap_id: Id
    item_id: Id
    filename: str = Field(max_length=255)
    content_type: str
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class EvidenceRejectedOnUpload(EventPayload):
    TYPE = "EvidenceRejectedOnUpload"
    VERSION = 1
    TOPIC = topics.EVIDENCE

    factory_id: Id
    cap_id: Id
    item_id: Id
    reason: str


# --- notifier -------------------------------------------------------------------


class NotificationDelivered(EventPayload):
    TYPE = "NotificationDelivered"
    VERSION = 1
    TOPIC = topics.NOTIFIER

    notification_id: Id
    factory_id: Id
    member_id: Id
    channel: str
    source_event_id: Id


class WebhookDeliveryFailed(EventPayload):
    TYPE = "WebhookDeliveryFailed"
    VERSION = 1
    TOPIC = topics.NOTIFIER

    member_id: Id
    factory_id: Id
    url: str
    attempts: int
    last_error: str


EVENT_TYPES: dict[tuple[str, int], type[EventPayload]] = {
    (cls.TYPE, cls.VERSION): cls
    for cls in (
        OrganisationRegistered,
        FactoryLinked,
        FactoryUnlinked,
        CodeOfConductSigned,
        FactoryRegistered,
        FactoryProfileSubmitted,
        FactoriesMerged,
        AuditMandated,
        AuditReportPublished,
        CriticalFindingRaised,
        FollowUpAuditDue,
        CapOpened,
        CapItemEvidenceSubmitted,
        CapItemAccepted,
        CapItemRejected,
        CapItemOverdue,
        CapClosed,
        EvidenceStored,
        EvidenceRejectedOnUpload,
        NotificationDelivered,
        WebhookDeliveryFailed,
    )
}
