"""In-memory fakes of the adapters every service's runtime holds, for unit tests only.

Each keeps the contract of its real counterpart (``shared_audits.store``, ``links``,
``merges``, ``member_groups``, ``consumer``, ``outbox``, ``auth``) and lets a test see
what happened: the events a store would publish, the events parked as dead letters.
``InMemorySharedAdapters`` gathers them for ``build_runtime(..., shared=...)``, so a
service's ``build_app(settings, adapters=...)`` runs without MongoDB and with its
Kafka broker ready for FastStream's ``TestKafkaBroker``.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic

from faststream.kafka import KafkaBroker

from shared_audits.auth import Principal
from shared_audits.consumer import DeliveredRecord
from shared_audits.contracts.envelope import EventEnvelope, EventPayload
from shared_audits.contracts.events import (
    FactoriesMerged,
    FactoryLinked,
    FactoryUnlinked,
    MemberGroupDissolved,
    MemberGroupPublished,
)
from shared_audits.contracts.topics import TopicSpec, dead_letter_topic
from shared_audits.errors import ConflictError, UnauthenticatedError
from shared_audits.member_groups import MemberGroups
from shared_audits.outbox import OutboxEntry, outbox_entries
from shared_audits.scheduling import stop_task
from shared_audits.store import A


class InMemoryOutbox:
    """The relay over in-memory stores: what they hand over is published through the broker.

    Without a broker (handler tests) the entries only gather in ``sent``. In an app built on
    fakes the runtime gives it the app's broker; ``flush`` publishes at once (the running app
    also does so in the background, as the real relay does).
    """

    def __init__(self) -> None:
        self.broker: KafkaBroker | None = None
        self.pending: list[OutboxEntry] = []
        self.sent: list[EventEnvelope] = []
        self.backlog: dict[str, int] = {}
        self._wake = asyncio.Event()
        self._publishing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def publish_through(self, broker: KafkaBroker) -> None:
        self.broker = broker

    def hand_over(self, collection: Any, document_id: Any, entries: list[OutboxEntry]) -> None:
        self.pending.extend(entries)
        self._wake.set()

    async def flush(self) -> int:
        """Publish every entry handed over so far, in order; returns how many.

        On return, what the background pass was publishing has gone too (one pass at a time).
        """
        async with self._publishing:
            entries, self.pending = self.pending, []
            for entry in entries:
                envelope = EventEnvelope.model_validate(entry["envelope"])
                if self.broker is not None:
                    await self.broker.publish(
                        envelope.model_dump_json().encode(), entry["topic"], key=envelope.key.encode(),
                        headers={"content-type": "application/json", "event-type": envelope.type},
                    )
                self.sent.append(envelope)
            return len(entries)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="in-memory-outbox")

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()

    async def stop(self) -> None:
        await stop_task(self._task)
        await self.flush()


class InMemoryAggregateStore(Generic[A]):
    """``AggregateStore`` in memory; ``published`` collects what would reach Kafka.

    Given an ``InMemoryOutbox``, it also hands the envelopes over, as the Mongo store hands
    them to the relay.
    """

    def __init__(self, outbox: InMemoryOutbox | None = None, producer: str = "test") -> None:
        self._items: dict[str, A] = {}
        self.published: list[EventPayload] = []
        self._outbox = outbox
        self._producer = producer

    def _send(self, aggregate_id: str, events: list[EventPayload]) -> None:
        self.published.extend(events)
        if self._outbox is not None and events:
            self._outbox.hand_over(self, aggregate_id, outbox_entries(events, producer=self._producer))

    async def get(self, aggregate_id: str) -> A | None:
        item = self._items.get(aggregate_id)
        return copy.deepcopy(item) if item else None

    async def find(
        self, limit: int = 500, after: str | int | None = None, order_by: str = "id", **equals: Any
    ) -> list[A]:
        def key(item: A) -> Any:
            return item.id if order_by == "id" else item.state()[order_by]

        found = [
            copy.deepcopy(item)
            for item in sorted(self._items.values(), key=key)
            if (after is None or key(item) > after)
            and all(item.state().get(field) == value for field, value in equals.items())
        ]
        return found[:limit]

    async def find_before(self, field: str, value: str, limit: int = 500) -> list[A]:
        found = [copy.deepcopy(item) for _, item in sorted(self._items.items())
                 if item.state().get(field) is not None and item.state()[field] < value]
        return found[:limit]

    async def add(self, aggregate: A) -> None:
        if aggregate.id in self._items:
            raise ConflictError(f"{aggregate.id} already exists")
        self._send(aggregate.id, aggregate.take_recorded())
        aggregate.version = 1
        self._items[aggregate.id] = copy.deepcopy(aggregate)

    async def add_many(self, aggregates: list[A]) -> list[str]:
        existing = [aggregate.id for aggregate in aggregates if aggregate.id in self._items]
        for aggregate in aggregates:
            if aggregate.id not in existing:
                await self.add(aggregate)
        return existing

    async def save(self, aggregate: A) -> None:
        stored = self._items.get(aggregate.id)
        if stored is None or stored.version != aggregate.version:
            raise ConflictError(f"{aggregate.id} was changed by someone else; read it again")
        self._send(aggregate.id, aggregate.take_recorded())
        aggregate.version += 1
        self._items[aggregate.id] = copy.deepcopy(aggregate)

    async def reassign(self, field: str, old: str, new: str) -> int:
        changed = 0
        for item in self._items.values():
            if getattr(item, field) == old:
                setattr(item, field, new)
                item.version += 1
                changed += 1
        return changed


class InMemoryLinkProjection:
    """``LinkProjection`` in memory: a set of (member, factory) pairs."""

    def __init__(self, links: set[tuple[str, str]] | None = None) -> None:
        self.links = set(links or ())

    async def is_linked(self, member_id: str, factory_id: str) -> bool:
        return (member_id, factory_id) in self.links

    async def members_of(self, factory_id: str) -> list[str]:
        return sorted(member for member, factory in self.links if factory == factory_id)

    async def members_of_many(self, factory_ids: list[str]) -> dict[str, list[str]]:
        found = {factory_id: await self.members_of(factory_id) for factory_id in factory_ids}
        return {factory_id: members for factory_id, members in found.items() if members}

    async def factories_of(self, member_id: str) -> list[str]:
        return sorted(factory for member, factory in self.links if member == member_id)

    async def apply_changes(self, changes: list[tuple[FactoryLinked | FactoryUnlinked, EventEnvelope]]) -> None:
        for event, _ in changes:
            if isinstance(event, FactoryLinked):
                self.links.add((event.member_id, event.factory_id))
            else:
                self.links.discard((event.member_id, event.factory_id))


class InMemoryMergedFactories:
    """``MergedFactories`` in memory: merged id -> surviving id."""

    def __init__(self, merged: dict[str, str] | None = None) -> None:
        self.merged = dict(merged or {})

    async def surviving_id(self, factory_id: str) -> str | None:
        return self.merged.get(factory_id)

    async def apply_merged(self, event: FactoriesMerged, envelope: EventEnvelope) -> None:
        self.merged[event.merged_factory_id] = event.factory_id


class InMemoryMemberGroups:
    """The member-group projection in memory: group id -> member ids."""

    def __init__(self, groups: dict[str, set[str]] | None = None) -> None:
        self.groups = {group_id: set(members) for group_id, members in (groups or {}).items()}

    async def current(self) -> MemberGroups:
        return MemberGroups(tuple(frozenset(members) for members in self.groups.values()))

    async def apply_published(self, event: MemberGroupPublished, envelope: EventEnvelope) -> None:
        self.groups[event.group_id] = set(event.member_ids)

    async def apply_dissolved(self, event: MemberGroupDissolved, envelope: EventEnvelope) -> None:
        self.groups.pop(event.group_id, None)


class InMemoryProcessedEvents:
    """``ProcessedLog`` in memory: the ids of the events handled."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    async def seen_among(self, event_ids: Sequence[str]) -> set[str]:
        return self.ids & set(event_ids)

    async def record_all(self, envelopes: Sequence[EventEnvelope]) -> None:
        self.ids.update(str(envelope.event_id) for envelope in envelopes)


class InMemoryDeadLetters:
    """``DeadLetterSink`` that keeps what it parks: ``parked`` holds (raw record, reason)."""

    def __init__(self, service: str = "test") -> None:
        self.topic: TopicSpec = dead_letter_topic(service)
        self.parked: list[tuple[bytes, str]] = []

    async def park(self, raw: bytes, record: DeliveredRecord, reason: str) -> None:
        self.parked.append((raw, reason))

    @property
    def reasons(self) -> list[str]:
        return [reason for _, reason in self.parked]


class FakeTokenVerifier:
    """Verifies the tokens it issued: ``headers(caller)`` is the Authorization header of a request by ``caller``."""

    def __init__(self) -> None:
        self._principals: dict[str, Principal] = {}
        self._numbers = itertools.count(1)

    def token_for(self, caller: Principal) -> str:
        token = f"test-token-{next(self._numbers)}"
        self._principals[token] = caller
        return token

    def headers(self, caller: Principal) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(caller)}"}

    async def verify(self, token: str) -> Principal:
        if token not in self._principals:
            raise UnauthenticatedError("token rejected: not issued by this test")
        return self._principals[token]

    async def aclose(self) -> None:
        pass


@dataclass
class InMemorySharedAdapters:
    """What ``build_runtime(settings, ..., shared=...)`` takes in place of MongoDB, the JWKS and the relay."""

    links: InMemoryLinkProjection = field(default_factory=InMemoryLinkProjection)
    merged_factories: InMemoryMergedFactories = field(default_factory=InMemoryMergedFactories)
    member_groups: InMemoryMemberGroups = field(default_factory=InMemoryMemberGroups)
    processed: InMemoryProcessedEvents = field(default_factory=InMemoryProcessedEvents)
    dead_letters: InMemoryDeadLetters = field(default_factory=InMemoryDeadLetters)
    token_verifier: FakeTokenVerifier = field(default_factory=FakeTokenVerifier)
    relay: InMemoryOutbox = field(default_factory=InMemoryOutbox)

    def publish_through(self, broker: KafkaBroker) -> None:
        """The app's broker: the relay publishes through it."""
        self.relay.publish_through(broker)

    def store(self) -> InMemoryAggregateStore[Any]:
        """An in-memory aggregate store whose events leave through this relay."""
        return InMemoryAggregateStore(self.relay)
