"""The factory's own plan for a CAP item, and its requests for a later deadline.

Both are read from the CAP's record (domain.record), like decisions: what a reader
sees is what the chain proves. The rules that decide them live here; ``Cap`` records
the events.

Pure: no I/O.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel

from cap_service.domain.errors import PlanRefused
from cap_service.domain.record import RecordEntry
from shared_audits.contracts.events import (
    CapItemExtensionGranted,
    CapItemExtensionRefused,
    CapItemExtensionRequested,
    CapItemPlanUpdated,
)

# The latest an extension may move a deadline: this many days after the deadline it extends.
MAX_EXTENSION_DAYS = 90


class ItemPlan(BaseModel):
    """What the factory means to do about an item: why it happened, what it does, who, by when."""

    root_cause: str
    corrective_action: str
    owner: str  # a name or a role at the factory, not an account
    target_date: date
    updated_by: str
    updated_at: datetime


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"


class Extension(BaseModel):
    """A factory's request for a later deadline and, once a linked member decided, the decision."""

    extension_id: str
    current_deadline: date
    requested_deadline: date
    reason: str
    requested_by: str
    requested_at: datetime
    status: ExtensionStatus = ExtensionStatus.PENDING
    member_id: str | None = None
    decided_by: str | None = None
    decision_reason: str | None = None
    decided_at: datetime | None = None


def check_target_date(target_date: date, deadline: date) -> None:
    """A plan's target date is within the item's deadline: later needs an extension, granted first."""
    if target_date > deadline:
        raise PlanRefused("body.target_date", f"the target date {target_date} is after the item's deadline "
                          f"{deadline}: ask for an extension of the deadline first")


def check_requested_deadline(requested: date, deadline: date, today: date) -> None:
    """A new deadline is later than the current one and than today, at most MAX_EXTENSION_DAYS after it."""
    latest = date.fromordinal(deadline.toordinal() + MAX_EXTENSION_DAYS)
    if requested <= deadline or requested <= today:
        raise PlanRefused("body.new_deadline", f"the new deadline must be later than the current one ({deadline}) "
                          "and than today")
    if requested > latest:
        raise PlanRefused("body.new_deadline", f"an extension moves a deadline by at most {MAX_EXTENSION_DAYS} days "
                          f"(here to {latest})")


def plan_in(history: list[RecordEntry], item_id: str) -> ItemPlan | None:
    """The item's latest plan in the record, if the factory wrote one."""
    for entry in reversed(history):
        if entry.type == CapItemPlanUpdated.TYPE and entry.data.get("item_id") == item_id:
            return ItemPlan.model_validate(entry.data)
    return None


def extensions_in(history: list[RecordEntry], item_id: str) -> list[Extension]:
    """The item's extension requests, oldest first, each with its decision when taken."""
    found: dict[str, Extension] = {}
    for entry in history:
        if entry.data.get("item_id") != item_id:
            continue
        if entry.type == CapItemExtensionRequested.TYPE:
            found[entry.data["extension_id"]] = Extension.model_validate(entry.data)
        elif entry.type in STATUS_BY_EVENT and entry.data.get("extension_id") in found:
            data = entry.revealed()
            found[data["extension_id"]] = found[data["extension_id"]].model_copy(update={
                "status": STATUS_BY_EVENT[entry.type], "member_id": data["member_id"],
                "decided_by": data["decided_by"], "decision_reason": data.get("reason"),
                "decided_at": data["decided_at"],
            })
    return list(found.values())


STATUS_BY_EVENT = {CapItemExtensionGranted.TYPE: ExtensionStatus.GRANTED,
                   CapItemExtensionRefused.TYPE: ExtensionStatus.REFUSED}
