"""Who hears about an event: the members linked to its factory."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel

from shared_audits.contracts.envelope import EventEnvelope, EventPayload
from shared_audits.contracts.events import (
    AuditReportOverdue,
    FactoryLinked,
    FactoryUnlinked,
    LinkRequestAccepted,
    LinkRequestDeclined,
    LinkRequested,
    LinkRequestWithdrawn,
)

# Events between the member that mandated an audit and its audit company: only that member hears them
# (the other members linked to the site do not), as long as it is linked to the site.
FOR_THE_MANDATING_MEMBER = frozenset({AuditReportOverdue.TYPE})
# A member's own link request and its answer: that member alone hears them, linked or not (it is not,
# yet), so that it learns of a decline; another member never learns who asks to link to a site.
FOR_THE_REQUESTING_MEMBER = frozenset({LinkRequested.TYPE, LinkRequestAccepted.TYPE, LinkRequestDeclined.TYPE,
                                       LinkRequestWithdrawn.TYPE})


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


def addressee(event_type: str, payload: Mapping[str, object]) -> str | None:
    """The one member an event is for, when it is not for every member linked to its factory."""
    addressed = FOR_THE_MANDATING_MEMBER | FOR_THE_REQUESTING_MEMBER
    member_id = payload.get("member_id") if event_type in addressed else None
    return str(member_id) if member_id is not None else None


def recipients(event: EventPayload, linked_members: list[str]) -> list[str]:
    """Linked members, plus the member whose link an event changes (it was just unlinked);
    for an event addressed to one member, that member alone, if linked; a link request's
    events to the requesting member alone, linked or not."""
    members = set(linked_members)
    only = addressee(event.TYPE, event.model_dump(include={"member_id"}))
    if event.TYPE in FOR_THE_REQUESTING_MEMBER and only is not None:
        return [only]
    if only is not None:
        return [only] if only in members else []
    if isinstance(event, FactoryLinked | FactoryUnlinked):
        members.add(event.member_id)
    return sorted(members)


def may_catch_up(member_id: str, envelope: EventEnvelope) -> bool:
    """Whether a member who links late is brought an event that happened after its link."""
    only = addressee(envelope.type, envelope.payload)
    return only is None or only == member_id
