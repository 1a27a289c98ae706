"""Aggregate stores: each save writes the state and its pending events in one document update."""

from __future__ import annotations

import copy
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any, Generic, TypeVar

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared_audits.aggregate import Aggregate
from shared_audits.contracts.envelope import EventPayload
from shared_audits.document_locks import DOCUMENT_LOCKS
from shared_audits.errors import ConflictError
from shared_audits.outbox import OUTBOX_FIELD, outbox_entries

A = TypeVar("A", bound=Aggregate)

# Documents re-pointed per bulk write (and locks held at once) when a field is reassigned.
REASSIGN_BATCH = 200


class MongoAggregateStore(Generic[A]):
    def __init__(
        self,
        collection: AsyncCollection,
        model: type[A],
        producer: str,
        on_events_written: Callable[[AsyncCollection, str], None] = lambda collection, document_id: None,
        version_in_update_filter: bool = True,
    ) -> None:
        self.collection = collection
        self._model = model
        self._producer = producer
        self._on_events_written = on_events_written
        # MongoDB checks the version atomically in the update's filter. FerretDB v1 reads a
        # filter other than {_id} by decoding the whole collection (seconds per save once it
        # is large), so there the version is read by _id first: writes to one document are
        # serialised in the process anyway (DOCUMENT_LOCKS), which FerretDB needs regardless.
        self._version_in_update_filter = version_in_update_filter

    def _load(self, document: dict[str, Any]) -> A:
        document = dict(document)
        document.pop(OUTBOX_FIELD, None)
        document["id"] = document.pop("_id")
        return self._model.model_validate(document)

    async def get(self, aggregate_id: str) -> A | None:
        document = await self.collection.find_one({"_id": aggregate_id}, {OUTBOX_FIELD: 0})
        return self._load(document) if document else None

    async def find(self, limit: int = 500, after: str | None = None, **equals: Any) -> list[A]:
        """Aggregates whose fields equal ``equals``, by id; ``after`` an id: the page that follows it."""
        query: dict[str, Any] = dict(equals)
        if after is not None:
            query["_id"] = {"$gt": after}
        cursor = self.collection.find(query, {OUTBOX_FIELD: 0}).sort("_id", 1).limit(limit)
        return [self._load(document) async for document in cursor]

    async def add(self, aggregate: A) -> None:
        """Insert a new aggregate; a second insert of the same id is a conflict."""
        events = aggregate.take_recorded()
        document = {"_id": aggregate.id, **aggregate.state(), "version": 1,
                    OUTBOX_FIELD: outbox_entries(events, producer=self._producer)}
        try:
            await self.collection.insert_one(document)
        except DuplicateKeyError as error:
            raise ConflictError(f"{aggregate.id} already exists") from error
        aggregate.version = 1
        self._after_write(events, aggregate.id)

    async def add_many(self, aggregates: list[A]) -> list[str]:
        """Insert new aggregates in one bulk write (imports); returns the ids that already existed."""
        if not aggregates:
            return []
        events = {aggregate.id: aggregate.take_recorded() for aggregate in aggregates}
        documents = [
            {"_id": aggregate.id, **aggregate.state(), "version": 1,
             OUTBOX_FIELD: outbox_entries(events[aggregate.id], producer=self._producer)}
            for aggregate in aggregates
        ]
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
                self._after_write(events[aggregate.id], aggregate.id)
        return existing

    async def save(self, aggregate: A) -> None:
        """Update an aggregate read at ``aggregate.version``; a concurrent change is a conflict."""
        events = aggregate.take_recorded()
        update: dict[str, Any] = {"$set": aggregate.state(), "$inc": {"version": 1}}
        if events:
            update["$push"] = {OUTBOX_FIELD: {"$each": outbox_entries(events, producer=self._producer)}}
        async with DOCUMENT_LOCKS.hold(self.collection.full_name, aggregate.id):
            if self._version_in_update_filter:
                result = await self.collection.update_one({"_id": aggregate.id, "version": aggregate.version}, update)
                matched = result.matched_count == 1
            else:
                current = await self.collection.find_one({"_id": aggregate.id}, {"version": 1})
                matched = current is not None and current.get("version") == aggregate.version
                if matched:
                    await self.collection.update_one({"_id": aggregate.id}, update)
        if not matched:
            raise ConflictError(f"{aggregate.id} was changed by someone else; read it again")
        aggregate.version += 1
        self._after_write(events, aggregate.id)

    async def reassign(self, field: str, old: str, new: str) -> int:
        """Set ``field`` from ``old`` to ``new`` on every aggregate that holds it, in bulk writes.

        Each document's lock is held and its version raised, so a save that read the
        old value fails as a conflict instead of writing it back. Records no events.
        Returns how many documents changed; a second call finds none.
        """
        ids = sorted([document["_id"] async for document in self.collection.find({field: old}, {"_id": 1})])
        for start in range(0, len(ids), REASSIGN_BATCH):
            batch = ids[start:start + REASSIGN_BATCH]
            async with AsyncExitStack() as held:
                for document_id in batch:  # sorted: two reassignments never wait on each other in a cycle
                    await held.enter_async_context(DOCUMENT_LOCKS.hold(self.collection.full_name, document_id))
                await self.collection.bulk_write(
                    [UpdateOne({"_id": document_id}, {"$set": {field: new}, "$inc": {"version": 1}})
                     for document_id in batch],
                    ordered=False,
                )
        return len(ids)

    def _after_write(self, events: list[EventPayload], aggregate_id: str) -> None:
        if events:
            self._on_events_written(self.collection, aggregate_id)


class InMemoryAggregateStore(Generic[A]):
    """The same contract for unit tests; ``published`` collects what would reach Kafka."""

    def __init__(self) -> None:
        self._items: dict[str, A] = {}
        self.published: list[EventPayload] = []

    async def get(self, aggregate_id: str) -> A | None:
        item = self._items.get(aggregate_id)
        return copy.deepcopy(item) if item else None

    async def find(self, limit: int = 500, after: str | None = None, **equals: Any) -> list[A]:
        found = [
            copy.deepcopy(item)
            for key, item in sorted(self._items.items())
            if (after is None or key > after)
            and all(item.state().get(field) == value for field, value in equals.items())
        ]
        return found[:limit]

    async def add(self, aggregate: A) -> None:
        if aggregate.id in self._items:
            raise ConflictError(f"{aggregate.id} already exists")
        self.published.extend(aggregate.take_recorded())
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
        self.published.extend(aggregate.take_recorded())
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
