"""Events published by cap-service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from shared_audits.contracts import topics
from shared_audits.contracts.enums import (
    CapItemStatus,
    FindingSeverity,
)
from shared_audits.contracts.envelope import ContractModel, EventPayload

Id = str  # identifiers are opaque strings (UUID4 text)


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
    chapter: str | None = None


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
    evidence_id: Id | None = None  # the evidence version this decision judged


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
    evidence_id: Id | None = None  # the evidence version this decision judged


class CapItemOverdue(EventPayload):
    TYPE = "CapItemOverdue"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    item_id: Id
    factory_id: Id
    deadline: date
    status: CapItemStatus


class CapItemClosed(EventPayload):
    """A follow-up audit found the non-conformity corrected."""

    TYPE = "CapItemClosed"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    item_id: Id
    factory_id: Id
    follow_up_audit_id: Id
    closed_at: datetime
    progress: CapProgress


class CapItemReopened(EventPayload):
    """A follow-up audit found the non-conformity again: the item is open with a new deadline."""

    TYPE = "CapItemReopened"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    item_id: Id
    factory_id: Id
    follow_up_audit_id: Id
    deadline: date
    reopened_at: datetime
    progress: CapProgress


class CapClosed(EventPayload):
    TYPE = "CapClosed"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    factory_id: Id
    closed_at: datetime


class CapItemPlanUpdated(EventPayload):
    """The factory wrote (or rewrote) its own plan for an item."""

    TYPE = "CapItemPlanUpdated"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    item_id: Id
    factory_id: Id
    root_cause: str
    corrective_action: str
    owner: str  # who at the factory carries it out: a name or a role, not an account
    target_date: date
    updated_by: str  # the factory's user
    updated_at: datetime


class CapItemExtensionRequested(EventPayload):
    """The factory asks for a later deadline for an open item; a linked member grants or refuses it."""

    TYPE = "CapItemExtensionRequested"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    item_id: Id
    factory_id: Id
    extension_id: Id
    current_deadline: date
    requested_deadline: date
    reason: str
    requested_by: str  # the factory's user
    requested_at: datetime


class CapItemExtensionGranted(EventPayload):
    """A linked member granted the request: the item's deadline is now ``deadline``."""

    TYPE = "CapItemExtensionGranted"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    item_id: Id
    factory_id: Id
    extension_id: Id
    member_id: Id
    decided_by: str
    reason: str | None = None
    previous_deadline: date
    deadline: date
    decided_at: datetime


class CapItemExtensionRefused(EventPayload):
    """A linked member refused the request, saying why: the item's deadline stays ``deadline``."""

    TYPE = "CapItemExtensionRefused"
    VERSION = 1
    TOPIC = topics.CAP

    cap_id: Id
    item_id: Id
    factory_id: Id
    extension_id: Id
    member_id: Id
    decided_by: str
    reason: str
    deadline: date
    decided_at: datetime


class DeadlineRulesVersionPublished(EventPayload):
    """The operator published a new version of cap-service's deadline rules, in force from now: a CAP
    opened from now on takes its deadlines from it; CAPs opened before keep theirs. ``content`` is the
    rule set as GET /caps/rules/deadlines/versions/{version} returns it."""

    TYPE = "DeadlineRulesVersionPublished"
    VERSION = 1
    TOPIC = topics.CAP

    version: str = Field(max_length=50, examples=["2026.2"])
    previous_version: str | None = Field(default=None, max_length=50)
    content: dict[str, Any]
    published_at: datetime

    def partition_key(self) -> str:
        return "rules:deadlines"
