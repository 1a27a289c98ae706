"""Use cases of notifier: fan events out to the feeds and inboxes of linked members."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from notifier.domain.model import InboxEntry, factory_of, recipients
from shared_audits.auth import Principal
from shared_audits.contracts.envelope import EventEnvelope, EventPayload
from shared_audits.contracts.events import FactoryLinked
from shared_audits.errors import PermissionDeniedError
from shared_audits.links import LinkProjection


class MemberFeeds(Protocol):
    async def deliver(self, member_id: str, envelope: EventEnvelope) -> None: ...


class Inbox(Protocol):
    async def has(self, member_id: str, event_id: str) -> bool: ...
    async def put(self, entry: InboxEntry) -> None: ...
    async def latest(self, member_id: str, factory_ids: list[str], limit: int) -> list[InboxEntry]: ...


class ChannelQueue(Protocol):
    async def enqueue_for_member(self, member_id: str, factory_id: str, envelope: EventEnvelope) -> None: ...


class FactoryEventLog(Protocol):
    async def append(self, factory_id: str, envelope: EventEnvelope) -> None: ...
    async def since(self, factory_id: str, moment: datetime) -> list[EventEnvelope]: ...


@dataclass
class NotifierHandlers:
    links: LinkProjection
    feeds: MemberFeeds
    inbox: Inbox
    factory_log: FactoryEventLog
    channels: ChannelQueue | None = None  # webhooks and e-mail

    async def fan_out(self, event: EventPayload, envelope: EventEnvelope) -> None:
        """Deliver an event to every member linked to its factory, and to nobody else."""
        factory_id = factory_of(event)
        if factory_id is None:
            return
        # Members are independent of each other: their deliveries (each a feed publish waiting
        # for Kafka's ack and a few reads and writes by _id) run side by side.
        _, linked = await asyncio.gather(self.factory_log.append(factory_id, envelope),
                                         self.links.members_of(factory_id))
        await asyncio.gather(*(self._deliver(member_id, factory_id, envelope)
                               for member_id in recipients(event, linked)))
        if isinstance(event, FactoryLinked):
            # Events after the link that were handled before it (other topics) follow now.
            for later in await self.factory_log.since(factory_id, event.linked_at):
                await self._deliver(event.member_id, factory_id, later)

    async def _deliver(self, member_id: str, factory_id: str, envelope: EventEnvelope) -> None:
        # The inbox entry doubles as the delivery record: written after the feed publish,
        # so a crash in between re-publishes (at least once) rather than loses.
        if await self.inbox.has(member_id, str(envelope.event_id)):
            return
        # The feed publish waits for Kafka's ack, the channel queue for the database: side by side.
        await asyncio.gather(self.feeds.deliver(member_id, envelope),
                             *([self.channels.enqueue_for_member(member_id, factory_id, envelope)]
                               if self.channels is not None else []))
        await self.inbox.put(
            InboxEntry(
                member_id=member_id,
                factory_id=factory_id,
                event_id=str(envelope.event_id),
                event_type=envelope.type,
                occurred_at=envelope.occurred_at,
                payload=envelope.payload,
            )
        )

    async def inbox_of(self, caller: Principal, limit: int) -> list[InboxEntry]:
        if not caller.is_member:
            raise PermissionDeniedError("the inbox is for members")
        # Only factories still linked: after unlinking, a member loses what it was told.
        factory_ids = await self.links.factories_of(caller.organisation_id)
        return await self.inbox.latest(caller.organisation_id, factory_ids, limit)
