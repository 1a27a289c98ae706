"""The in-app inbox (what each member was told) and the log of every factory's events."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from notifier.domain.model import InboxEntry
from shared_audits.consumer import DUPLICATE_KEY
from shared_audits.contracts.envelope import EventEnvelope


class MongoInbox:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("member_id", 1), ("occurred_at", -1)])

    async def delivered_among(self, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (member, event id) pairs already have their entry, in one read."""
        cursor = self._collection.find({"_id": {"$in": [_entry_id(*key) for key in keys]}},
                                       {"member_id": 1, "event_id": 1})
        return {(document["member_id"], document["event_id"]) async for document in cursor}

    async def put_many(self, entries: list[InboxEntry]) -> None:
        await _insert_new(self._collection, [{"_id": _entry_id(entry.member_id, entry.event_id),
                                              **entry.model_dump(mode="json")} for entry in entries])

    async def latest(self, member_id: str, factory_ids: list[str], limit: int,
                     after: str | None = None) -> list[InboxEntry]:
        """Newest first (ties by event id); ``after``: the event id of the previous page's last entry."""
        query: dict = {"member_id": member_id, "factory_id": {"$in": factory_ids}}
        if after is not None:
            last = await self._collection.find_one({"_id": _entry_id(member_id, after)}, {"occurred_at": 1})
            if last is None:
                return []
            query["$or"] = [{"occurred_at": {"$lt": last["occurred_at"]}},
                            {"occurred_at": last["occurred_at"], "event_id": {"$lt": after}}]
        cursor = self._collection.find(query, {"_id": 0}).sort([("occurred_at", -1), ("event_id", -1)]).limit(limit)
        return [InboxEntry.model_validate(document) async for document in cursor]

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
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

    async def append_many(self, events: list[tuple[str, EventEnvelope]]) -> None:
        await _insert_new(self._collection, [
            {"_id": str(envelope.event_id), "factory_id": factory_id, "occurred_at": envelope.occurred_at.isoformat(),
             "envelope": envelope.model_dump(mode="json")}
            for factory_id, envelope in events
        ])

    async def since(self, factory_id: str, moment: datetime) -> list[EventEnvelope]:
        cursor = self._collection.find(
            {"factory_id": factory_id, "occurred_at": {"$gte": moment.isoformat()}}
        ).sort("occurred_at", 1)
        return [EventEnvelope.model_validate(document["envelope"]) async for document in cursor]

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        await self._collection.update_many({"factory_id": merged_id}, {"$set": {"factory_id": surviving_id}})


def _entry_id(member_id: str, event_id: str) -> str:
    return f"{member_id}:{event_id}"


async def _insert_new(collection: AsyncCollection, documents: list[dict]) -> None:
    """Insert in one write; a document already there (a redelivered event) stays as it is."""
    if not documents:
        return
    try:
        await collection.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
            raise
