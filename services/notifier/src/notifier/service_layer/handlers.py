"""Use cases of notifier: fan events out to the feeds and inboxes of linked members."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from notifier.domain.disclosure import envelope_for
from notifier.domain.model import InboxEntry, factory_of, may_catch_up, recipients
from notifier.service_layer.ports import ChannelQueue, FactoryEventLog, Inbox, MemberFeeds
from shared_audits.auth import Principal
from shared_audits.contracts.envelope import EventEnvelope, EventPayload
from shared_audits.contracts.events import FactoryLinked
from shared_audits.errors import PermissionDeniedError
from shared_audits.links import LinkProjection
from shared_audits.member_groups import MemberGroupSource


# (member, factory, envelope): one event to tell one member
Delivery = tuple[str, str, EventEnvelope]


@dataclass
class NotifierHandlers:
    links: LinkProjection
    feeds: MemberFeeds
    inbox: Inbox
    factory_log: FactoryEventLog
    # Who sees whose name: outside a member's groups, every other member is "a linked member".
    member_groups: MemberGroupSource
    channels: ChannelQueue | None = None  # webhooks and e-mail

    async def fan_out(self, event: EventPayload, envelope: EventEnvelope) -> None:
        """Deliver an event to every member linked to its factory, and to nobody else."""
        await self.fan_out_batch([(event, envelope)])

    async def fan_out_batch(self, events: list[tuple[EventPayload, EventEnvelope]]) -> None:
        """Deliver a run of events, in order, to the members linked to each one's factory, in bulk."""
        about = [(event, envelope, factory_of(event)) for event, envelope in events]
        about = [(event, envelope, factory_id) for event, envelope, factory_id in about if factory_id is not None]
        if not about:
            return
        _, linked = await asyncio.gather(
            self.factory_log.append_many([(factory_id, envelope) for _, envelope, factory_id in about]),
            self.links.members_of_many(sorted({factory_id for _, _, factory_id in about})),
        )
        if self.channels is not None:
            # The factory's own recipients, before the members' fan-out: a retried run queues nothing twice.
            await self.channels.enqueue_for_factories([(factory_id, envelope) for _, envelope, factory_id in about])
        deliveries: list[Delivery] = []
        for event, envelope, factory_id in about:
            deliveries += [(member_id, factory_id, envelope)
                           for member_id in recipients(event, linked.get(factory_id, []))]
            if isinstance(event, FactoryLinked):
                # Events after the link that were handled before it (other topics) follow now.
                deliveries += [(event.member_id, factory_id, later)
                               for later in await self.factory_log.since(factory_id, event.linked_at)
                               if may_catch_up(event.member_id, later)]
        await self._deliver(deliveries)

    async def _deliver(self, deliveries: list[Delivery]) -> None:
        # The inbox entry doubles as the delivery record: written after the feed publish,
        # so a crash in between re-publishes (at least once) rather than loses.
        keys = [(member_id, str(envelope.event_id)) for member_id, _, envelope in deliveries]
        done = await self.inbox.delivered_among(keys)
        todo: list[Delivery] = []
        for key, delivery in zip(keys, deliveries, strict=True):
            if key not in done:
                done.add(key)  # once, even when a late link's catch-up repeats it
                todo.append(delivery)
        if not todo:
            return
        # Each member's copy names no other member (outside its groups): feed, inbox and channels alike.
        groups = await self.member_groups.current()
        todo = [(member_id, factory_id, envelope_for(member_id, envelope, groups))
                for member_id, factory_id, envelope in todo]
        feeds: dict[str, list[EventEnvelope]] = {}
        for member_id, _, envelope in todo:
            feeds.setdefault(member_id, []).append(envelope)
        # Members side by side, each member's feed in order; the channel queue beside them.
        await asyncio.gather(*(self.feeds.deliver_many(member_id, envelopes) for member_id, envelopes in feeds.items()),
                             *([self.channels.enqueue_for_members(todo)] if self.channels is not None else []))
        await self.inbox.put_many([
            InboxEntry(member_id=member_id, factory_id=factory_id, event_id=str(envelope.event_id),
                       event_type=envelope.type, occurred_at=envelope.occurred_at, payload=envelope.payload)
            for member_id, factory_id, envelope in todo
        ])

    async def inbox_of(self, caller: Principal, limit: int,
                       after: str | None = None) -> tuple[list[InboxEntry], str | None]:
        """One page of the member's inbox, newest first, and the cursor of the next page (None: the last)."""
        if not caller.is_member:
            raise PermissionDeniedError("the inbox is for members")
        # Only factories still linked: after unlinking, a member loses what it was told.
        factory_ids = await self.links.factories_of(caller.organisation_id)
        found = await self.inbox.latest(caller.organisation_id, factory_ids, limit + 1, after)
        page = found[:limit]
        return page, (page[-1].event_id if len(found) > limit else None)
