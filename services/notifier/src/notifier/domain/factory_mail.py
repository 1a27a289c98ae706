"""What a factory's own recipients are told: their copy names no member, and the deadline reminder."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

# A member's decision reaches the factory without who decided: members stay anonymous to factories.
HIDDEN_FROM_FACTORIES = frozenset({"member_id", "decided_by"})
DEADLINE_NEAR = "CapItemDeadlineNear"  # raised by the notifier itself, not a contract event


class TrackedDeadline(BaseModel):
    """An open CAP item's deadline, as the CAP events tell it: what the deadline reminder looks at."""

    item_id: str
    cap_id: str
    factory_id: str
    description: str
    deadline: date
    open: bool = True
    reminded: bool = False  # reset when a reopened item gets a new deadline


def factory_copy(envelope: dict) -> dict:
    """The envelope as a factory's recipient is told it: without the member who acted."""
    payload = {name: value for name, value in envelope["payload"].items() if name not in HIDDEN_FROM_FACTORIES}
    return {**envelope, "payload": payload}


def deadline_near(cap_id: str, item_id: str, factory_id: str, description: str, deadline: date,
                  now: datetime) -> dict:
    """The reminder of one item's deadline, as an envelope; its id makes it once per item and deadline."""
    return {
        "event_id": f"deadline:{item_id}:{deadline.isoformat()}",
        "type": DEADLINE_NEAR,
        "occurred_at": now.isoformat(),
        "key": factory_id,
        "payload": {"cap_id": cap_id, "item_id": item_id, "factory_id": factory_id, "description": description,
                    "deadline": deadline.isoformat()},
    }
