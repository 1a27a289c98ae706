"""What a member is told of another member: "a linked member", never its id or its users' ids.

notifier masks in one place, as it makes each member's copy of an event, so the feed, the
inbox, webhooks and e-mails all carry the same masked payload (shared_audits.member_groups).
"""

from __future__ import annotations

from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.member_groups import LINKED_MEMBER, MemberGroups, MemberViewer

# Payload fields that name a member, each with the fields that name one of that member's users.
MEMBER_FIELDS: dict[str, tuple[str, ...]] = {"member_id": ("decided_by",)}


def envelope_for(member_id: str, envelope: EventEnvelope, groups: MemberGroups) -> EventEnvelope:
    """The event as member ``member_id`` is told it: another member outside its groups as ``LINKED_MEMBER``."""
    viewer = MemberViewer(member_id, groups)
    payload = dict(envelope.payload)
    for member_field, user_fields in MEMBER_FIELDS.items():
        named = payload.get(member_field)
        if isinstance(named, str) and not viewer.sees(named):
            payload[member_field] = LINKED_MEMBER
            payload.update({field: LINKED_MEMBER for field in user_fields if field in payload})
    return envelope if payload == envelope.payload else envelope.model_copy(update={"payload": payload})
