from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cap_service.domain.plans import MAX_EXTENSION_DAYS, ExtensionStatus
from shared_audits.contracts.enums import CapDecision, CapItemStatus, ExtensionDecision, FindingSeverity


class DecideItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: CapDecision
    comment: str | None = Field(default=None, max_length=4000)


class WritePlan(BaseModel):
    """The factory's plan for an item; the target date is at the latest the item's deadline."""

    model_config = ConfigDict(extra="forbid")

    root_cause: str = Field(min_length=1, max_length=4000, description="Why the non-conformity happened")
    corrective_action: str = Field(min_length=1, max_length=4000, description="What the factory does about it")
    owner: str = Field(min_length=1, max_length=200, description="Who carries it out: a name or a role")
    target_date: date = Field(description="When it is done; not after the item's deadline (ask for an extension)")


class RequestExtension(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_deadline: date = Field(description="Later than the current deadline and today, "
                                           f"at most {MAX_EXTENSION_DAYS} days after the current deadline")
    reason: str = Field(min_length=1, max_length=4000)


class DecideExtension(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: ExtensionDecision
    reason: str | None = Field(default=None, max_length=4000, description="Required to refuse")


class PlanOut(BaseModel):
    root_cause: str
    corrective_action: str
    owner: str
    target_date: date
    updated_by: str
    updated_at: datetime


class ExtensionOut(BaseModel):
    """A request for a later deadline; ``member_id`` and ``decided_by`` read ``linked-member`` to other members."""

    extension_id: str
    current_deadline: date
    requested_deadline: date
    reason: str
    requested_by: str
    requested_at: datetime
    status: ExtensionStatus
    member_id: str | None
    decided_by: str | None
    decision_reason: str | None
    decided_at: datetime | None


class DecisionOut(BaseModel):
    decision: CapDecision
    member_id: str
    decided_by: str
    comment: str | None
    decided_at: datetime


class FollowUpChangeOut(BaseModel):
    audit_id: str
    outcome: str
    at: datetime


class OverdueScan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date


class OverdueScanOut(BaseModel):
    as_of: date
    items_flagged: int


class CapItemOut(BaseModel):
    item_id: str
    finding_id: str
    severity: FindingSeverity
    description: str
    recommended_action: str
    deadline: date
    chapter: str | None
    question_id: str | None = Field(
        default=None, description="The question rated 'no'; a follow-up re-checks the item by it (null: older reports)")
    status: CapItemStatus
    evidence_ids: list[str]
    decisions: list[DecisionOut]
    follow_ups: list[FollowUpChangeOut]
    overdue: bool = Field(description="The overdue check flagged the current deadline and the item is not done yet")
    plan: PlanOut | None = Field(default=None, description="The factory's own plan, once written")
    extensions: list[ExtensionOut] = Field(default_factory=list, description="Extension requests, oldest first")


class ProgressOut(BaseModel):
    items_closed: int
    items_total: int


class CapOut(BaseModel):
    cap_id: str
    audit_id: str
    factory_id: str
    status: str
    rule_set_version: str
    opened_at: datetime
    progress: ProgressOut
    items: list[CapItemOut]


class RecordEntryOut(BaseModel):
    """One entry of a CAP's record; ``hash`` is SHA-256 over the RFC 8785 JSON of the fields but the disclosures."""

    seq: int
    cap_id: str
    type: str
    version: int
    at: str
    data: dict[str, Any]
    previous: str | None
    hash: str
    disclosures: list[list[Any]] = Field(
        description="[salt, name, value] of the commitments in `data` (who decided) this reader may see")


class ChainHeadOut(BaseModel):
    cap_id: str
    length: int
    head: str


class RecordCheckpointOut(BaseModel):
    """The latest signed checkpoint holding this CAP's head, and the audit path from it to the signed root."""

    body: dict[str, Any]
    signature: str
    leaf: ChainHeadOut
    leaf_index: int
    audit_path: list[str]


class RecordKeyOut(BaseModel):
    """An Ed25519 public key as a JWK, with when it was made and retired (a retired key still verifies)."""

    model_config = ConfigDict(extra="allow")

    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str
    created_at: str
    retired_at: str | None


class RecordKeysOut(BaseModel):
    keys: list[RecordKeyOut]


class CapRecordOut(BaseModel):
    """A CAP's record with its proofs: what `shared-audits verify FILE` checks offline."""

    format: str
    version: int
    cap_id: str
    exported_at: str
    entries: list[RecordEntryOut]
    checkpoint: RecordCheckpointOut | None
    keys: list[RecordKeyOut]


class SignedCheckpointOut(BaseModel):
    body: dict[str, Any]
    signature: str


class CheckpointRunOut(BaseModel):
    """The checkpoint now latest (null: no CAP has a record yet)."""

    checkpoint: SignedCheckpointOut | None
