"""Who hears about an event: the members linked to its factory."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from shared_audits.contracts.envelope import EventPayload
from shared_audits.contracts.events import FactoryLinked, FactoryUnlinked


class InboxEntry(BaseModel):
    member_id: str
    factory_id: str
    event_id: str
    event_type: str
    occurred_at: datetime
    payload: dict


def factory_of(event: EventPayload) -> str | None:
    """The factory an event is about; events about no factory reach no feed."""
    return getattr(event, "factory_id", None)


def recipients(event: EventPayload, linked_members: list[str]) -> list[str]:
    """Linked members, plus the member whose link an event changes (it was just unlinked)."""
    members = set(linked_members)
    if isinstance(event, FactoryLinked | FactoryUnlinked):
        members.add(event.member_id)
    return sorted(members)
