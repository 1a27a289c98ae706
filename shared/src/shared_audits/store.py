"""Aggregate stores: each save writes the state and its pending events in one document update.

The version is checked inside the update's filter, so two writers of one document
(two requests, or two instances of the service) cannot both win: MongoDB applies a
single-document update atomically. The events wait in the document's outbox array,
written in the same update as the state (the transactional outbox without a
multi-document transaction: docs/engine.md says why), and the store hands the
entries it wrote to the relay so they leave without being read back.

``AggregateStore`` is the contract the handlers name (in their ``service_layer/ports.py``);
``MongoAggregateStore`` is the one implementation shipped, and ``shared_audits.testing``
holds the in-memory one of the unit tests.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared_audits.aggregate import Aggregate
from shared_audits.errors import ConflictError
from shared_audits.outbox import OUTBOX_FIELD, OutboxEntry, outbox_entries

A = TypeVar("A", bound=Aggregate)


class AggregateStore(Protocol[A]):
    """Where a service keeps one kind of aggregate; saving one sends the events it recorded."""

    async def get(self, aggregate_id: str) -> A | None: ...
    async def find(
        self, limit: int = 500, after: str | int | None = None, order_by: str = "id", **equals: Any
    ) -> list[A]: ...
    async def find_before(self, field: str, value: str, limit: int = 500) -> list[A]: ...
    async def add(self, aggregate: A) -> None: ...
    async def add_many(self, aggregates: list[A]) -> list[str]: ...
    async def save(self, aggregate: A) -> None: ...
    async def reassign(self, field: str, old: str, new: str) -> int: ...


# A command that reads, changes and saves one aggregate tries again on a fresh read this many times
# when another write (an event handler, another instance) landed in between, after a short random pause.
CHANGE_ATTEMPTS = 12
CHANGE_PAUSE_SECONDS = 0.02


async def saved_on_a_fresh_read(store: AggregateStore[A], change: Callable[[], Awaitable[A]],
                                attempts: int = CHANGE_ATTEMPTS) -> A:
    """Run ``change`` (read an aggregate and change it) and save the result; on a version conflict, again.

    For commands whose outcome does not depend on which version the caller saw (a decision, an
    operator's action): the conflict only means an event handler or another instance wrote first.
    """
    for attempt in range(1, attempts + 1):
        aggregate = await change()
        try:
            await store.save(aggregate)
            return aggregate
        except ConflictError:
            if attempt == attempts:
                raise
            await asyncio.sleep(random.uniform(0, CHANGE_PAUSE_SECONDS))  # noqa: S311 - jitter, not a secret
    raise AssertionError("unreachable")


class ReassignableStore(Protocol):
    """What a service's merge of two sites needs of a store: every record of one site moves to the other."""

    async def reassign(self, field: str, old: str, new: str) -> int: ...


class OutboxHandOver(Protocol):
    """Takes the outbox entries a write committed, to publish them at once."""

    def hand_over(self, collection: AsyncCollection, document_id: Any, entries: list[OutboxEntry]) -> None: ...


class _NoRelay:
    def hand_over(self, collection: AsyncCollection, document_id: Any, entries: list[OutboxEntry]) -> None:
        pass  # a later sweep of the relay publishes them


class MongoAggregateStore(Generic[A]):
    def __init__(
        self, collection: AsyncCollection, model: type[A], producer: str, relay: OutboxHandOver | None = None
    ) -> None:
        self.collection = collection
        self._model = model
        self._producer = producer
        self._relay = relay or _NoRelay()

    def _load(self, document: dict[str, Any]) -> A:
        document = dict(document)
        document.pop(OUTBOX_FIELD, None)
        document["id"] = document.pop("_id")
        return self._model.model_validate(document)

    async def get(self, aggregate_id: str) -> A | None:
        document = await self.collection.find_one({"_id": aggregate_id}, {OUTBOX_FIELD: 0})
        return self._load(document) if document else None

    async def find(
        self, limit: int = 500, after: str | int | None = None, order_by: str = "id", **equals: Any
    ) -> list[A]:
        """Aggregates whose fields equal ``equals``, in the order of ``order_by`` (the id, or a field
        unique among them); ``after`` a value of that field: the page that follows it."""
        query: dict[str, Any] = dict(equals)
        key = "_id" if order_by == "id" else order_by
        if after is not None:
            query[key] = {"$gt": after}
        cursor = self.collection.find(query, {OUTBOX_FIELD: 0}).sort(key, 1).limit(limit)
        return [self._load(document) async for document in cursor]

    async def find_before(self, field: str, value: str, limit: int = 500) -> list[A]:
        """Aggregates whose ``field`` (a stored ISO date or time) is before ``value``, by id."""
        cursor = self.collection.find({field: {"$lt": value}}, {OUTBOX_FIELD: 0}).sort("_id", 1).limit(limit)
        return [self._load(document) async for document in cursor]

    def _new_document(self, aggregate: A, entries: list[OutboxEntry]) -> dict[str, Any]:
        return {"_id": aggregate.id, **aggregate.state(), "version": 1, OUTBOX_FIELD: entries}

    async def add(self, aggregate: A) -> None:
        """Insert a new aggregate; a second insert of the same id is a conflict."""
        entries = outbox_entries(aggregate.take_recorded(), producer=self._producer)
        try:
            await self.collection.insert_one(self._new_document(aggregate, entries))
        except DuplicateKeyError as error:
            raise ConflictError(f"{aggregate.id} already exists") from error
        aggregate.version = 1
        self._hand_over(aggregate.id, entries)

    async def add_many(self, aggregates: list[A]) -> list[str]:
        """Insert new aggregates in one bulk write (imports); returns the ids that already existed."""
        if not aggregates:
            return []
        entries = {a.id: outbox_entries(a.take_recorded(), producer=self._producer) for a in aggregates}
        documents = [self._new_document(aggregate, entries[aggregate.id]) for aggregate in aggregates]
        existing: list[str] = []
        try:
            await self.collection.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            duplicates = [e for e in error.details.get("writeErrors", []) if e.get("code") == 11000]
            if len(duplicates) != len(error.details.get("writeErrors", [])):
                raise
            existing = [documents[e["index"]]["_id"] for e in duplicates]
        for aggregate in aggregates:
            aggregate.version = 1
            if aggregate.id not in existing:
                self._hand_over(aggregate.id, entries[aggregate.id])
        return existing

    async def save(self, aggregate: A) -> None:
        """Update an aggregate read at ``aggregate.version``; a concurrent change is a conflict."""
        entries = outbox_entries(aggregate.take_recorded(), producer=self._producer)
        update: dict[str, Any] = {"$set": aggregate.state(), "$inc": {"version": 1}}
        if entries:
            update["$push"] = {OUTBOX_FIELD: {"$each": entries}}
        result = await self.collection.update_one({"_id": aggregate.id, "version": aggregate.version}, update)
        if result.matched_count != 1:
            raise ConflictError(f"{aggregate.id} was changed by someone else; read it again")
        aggregate.version += 1
        self._hand_over(aggregate.id, entries)

    async def reassign(self, field: str, old: str, new: str) -> int:
        """Set ``field`` from ``old`` to ``new`` on every aggregate that holds it, in one update.

        Each document's version is raised with it, so a save that read the old value
        fails as a conflict instead of writing it back. Records no events.
        Returns how many documents changed; a second call finds none.
        """
        result = await self.collection.update_many({field: old}, {"$set": {field: new}, "$inc": {"version": 1}})
        return result.modified_count

    def _hand_over(self, aggregate_id: str, entries: list[OutboxEntry]) -> None:
        if entries:
            self._relay.hand_over(self.collection, aggregate_id, entries)
