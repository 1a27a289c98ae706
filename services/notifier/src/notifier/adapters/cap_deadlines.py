"""The open CAP items' deadlines, as the CAP events tell them: what the deadline reminder looks at."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from pymongo.asynchronous.collection import AsyncCollection


class TrackedDeadline(BaseModel):
    item_id: str
    cap_id: str
    factory_id: str
    description: str
    deadline: date
    open: bool = True
    reminded: bool = False  # reset when a reopened item gets a new deadline


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


class InMemoryCapDeadlines:
    def __init__(self) -> None:
        self.items: dict[str, TrackedDeadline] = {}

    async def opened(self, items: list[TrackedDeadline]) -> None:
        for item in items:
            self.items.setdefault(item.item_id, item.model_copy())

    async def reopened(self, item_id: str, deadline: date) -> None:
        if item_id in self.items:
            self.items[item_id] = self.items[item_id].model_copy(
                update={"deadline": deadline, "open": True, "reminded": False})

    async def done(self, item_id: str) -> None:
        if item_id in self.items:
            self.items[item_id].open = False

    async def cap_closed(self, cap_id: str) -> None:
        for item in self.items.values():
            if item.cap_id == cap_id:
                item.open = False

    async def to_remind(self, first: date, last: date) -> list[TrackedDeadline]:
        return [item.model_copy() for item in self.items.values()
                if item.open and not item.reminded and first <= item.deadline <= last]

    async def reminded(self, item_id: str) -> None:
        self.items[item_id].reminded = True
