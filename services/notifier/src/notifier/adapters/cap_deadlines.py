"""The open CAP items' deadlines, as the CAP events tell them: what the deadline reminder looks at."""

from __future__ import annotations

from datetime import date

from pymongo.asynchronous.collection import AsyncCollection

from notifier.domain.factory_mail import TrackedDeadline


class MongoCapDeadlines:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("open", 1), ("reminded", 1), ("deadline", 1)])
        await self._collection.create_index([("cap_id", 1)])

    async def opened(self, items: list[TrackedDeadline]) -> None:
        for item in items:
            document = item.model_dump(mode="json", exclude={"item_id"})
            await self._collection.update_one({"_id": item.item_id}, {"$setOnInsert": document}, upsert=True)

    async def reopened(self, item_id: str, deadline: date) -> None:
        await self._collection.update_one({"_id": item_id}, {"$set": {"deadline": deadline.isoformat(), "open": True,
                                                                      "reminded": False}})

    async def done(self, item_id: str) -> None:
        await self._collection.update_one({"_id": item_id}, {"$set": {"open": False}})

    async def cap_closed(self, cap_id: str) -> None:
        await self._collection.update_many({"cap_id": cap_id}, {"$set": {"open": False}})

    async def to_remind(self, first: date, last: date) -> list[TrackedDeadline]:
        cursor = self._collection.find({"open": True, "reminded": False,
                                        "deadline": {"$gte": first.isoformat(), "$lte": last.isoformat()}})
        return [TrackedDeadline.model_validate({**document, "item_id": document["_id"]}) async for document in cursor]

    async def reminded(self, item_id: str) -> None:
        await self._collection.update_one({"_id": item_id}, {"$set": {"reminded": True}})
