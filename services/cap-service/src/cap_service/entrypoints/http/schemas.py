from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from shared_audits.contracts.enums import CapDecision, CapItemStatus, FindingSeverity


class DecideItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: CapDecision
    comment: str | None = Field(default=None, max_length=4000)


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
    status: CapItemStatus
    evidence_ids: list[str]
    decisions: list[DecisionOut]
    follow_ups: list[FollowUpChangeOut]
    overdue: bool


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
