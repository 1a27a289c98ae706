"""CAP items known from cap-service's CapOpened events: which factory each belongs to."""

from __future__ import annotations

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import CapOpened


class MongoCapItems:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def factory_of(self, cap_id: str, item_id: str) -> str | None:
        document = await self._collection.find_one({"_id": f"{cap_id}:{item_id}"}, {"factory_id": 1})
        return document["factory_id"] if document else None

    async def ensure_indexes(self) -> None:
        await self._collection.create_index("factory_id")  # a merge re-points a site's items

    async def apply_opened(self, event: CapOpened, envelope: EventEnvelope) -> None:
        writes = [
            UpdateOne({"_id": f"{event.cap_id}:{item.item_id}"},
                      {"$set": {"cap_id": event.cap_id, "item_id": item.item_id, "factory_id": event.factory_id}},
                      upsert=True)
            for item in event.items
        ]
        if writes:
            await self._collection.bulk_write(writes, ordered=False)

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        await self._collection.update_many({"factory_id": merged_id}, {"$set": {"factory_id": surviving_id}})
