"""The in-app inbox (what each member was told) and the log of every factory's events."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection

from notifier.domain.model import InboxEntry
from shared_audits.contracts.envelope import EventEnvelope


class MongoInbox:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("member_id", 1), ("occurred_at", -1)])

    async def has(self, member_id: str, event_id: str) -> bool:
        return await self._collection.find_one({"_id": f"{member_id}:{event_id}"}, {"_id": 1}) is not None

    async def put(self, entry: InboxEntry) -> None:
        await self._collection.update_one(
            {"_id": f"{entry.member_id}:{entry.event_id}"}, {"$set": entry.model_dump(mode="json")}, upsert=True
        )

    async def latest(self, member_id: str, factory_ids: list[str], limit: int) -> list[InboxEntry]:
        cursor = (
            self._collection.find({"member_id": member_id, "factory_id": {"$in": factory_ids}}, {"_id": 0})
            .sort("occurred_at", -1)
            .limit(limit)
        )
        return [InboxEntry.model_validate(document) async for document in cursor]

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        # Written by this service's one consumer only, so a bulk update by filter is safe.
        await self._collection.update_many({"factory_id": merged_id}, {"$set": {"factory_id": surviving_id}})


class MongoFactoryEventLog:
    """Every event about a factory, so a member that links late still gets what followed its link.

    Events of different topics are consumed in no common order: an audit event
    may be handled before the FactoryLinked that preceded it.
    """

    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("factory_id", 1), ("occurred_at", 1)])

    async def append(self, factory_id: str, envelope: EventEnvelope) -> None:
        await self._collection.update_one(
            {"_id": str(envelope.event_id)},
            {"$set": {"factory_id": factory_id, "occurred_at": envelope.occurred_at.isoformat(),
                      "envelope": envelope.model_dump(mode="json")}},
            upsert=True,
        )

    async def since(self, factory_id: str, moment: datetime) -> list[EventEnvelope]:
        cursor = self._collection.find(
            {"factory_id": factory_id, "occurred_at": {"$gte": moment.isoformat()}}
        ).sort("occurred_at", 1)
        return [EventEnvelope.model_validate(document["envelope"]) async for document in cursor]

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        await self._collection.update_many({"factory_id": merged_id}, {"$set": {"factory_id": surviving_id}})


class InMemoryInbox:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], InboxEntry] = {}

    async def has(self, member_id: str, event_id: str) -> bool:
        return (member_id, event_id) in self.entries

    async def put(self, entry: InboxEntry) -> None:
        self.entries[(entry.member_id, entry.event_id)] = entry

    async def latest(self, member_id: str, factory_ids: list[str], limit: int) -> list[InboxEntry]:
        found = [e for e in self.entries.values() if e.member_id == member_id and e.factory_id in factory_ids]
        return sorted(found, key=lambda e: e.occurred_at, reverse=True)[:limit]

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        for key, entry in self.entries.items():
            if entry.factory_id == merged_id:
                self.entries[key] = entry.model_copy(update={"factory_id": surviving_id})


class InMemoryFactoryEventLog:
    def __init__(self) -> None:
        self.envelopes: dict[str, tuple[str, EventEnvelope]] = {}

    async def append(self, factory_id: str, envelope: EventEnvelope) -> None:
        self.envelopes[str(envelope.event_id)] = (factory_id, envelope)

    async def since(self, factory_id: str, moment: datetime) -> list[EventEnvelope]:
        found = [e for f, e in self.envelopes.values() if f == factory_id and e.occurred_at >= moment]
        return sorted(found, key=lambda e: e.occurred_at)

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        for event_id, (factory_id, envelope) in self.envelopes.items():
            if factory_id == merged_id:
                self.envelopes[event_id] = (surviving_id, envelope)
