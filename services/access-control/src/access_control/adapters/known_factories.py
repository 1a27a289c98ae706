"""Sites registered in factory-registry, as far as access-control needs to know them."""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoryRegistered


class MongoKnownFactories:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def exists(self, factory_id: str) -> bool:
        return await self._collection.find_one({"_id": factory_id}, {"_id": 1}) is not None

    async def apply_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None:
        await self._collection.update_one(
            {"_id": event.factory_id}, {"$set": {"name": event.name, "country": event.country}}, upsert=True
        )


class InMemoryKnownFactories:
    def __init__(self, factory_ids: set[str] | None = None) -> None:
        self.factory_ids = set(factory_ids or ())

    async def exists(self, factory_id: str) -> bool:
        return factory_id in self.factory_ids

    async def apply_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None:
        self.factory_ids.add(event.factory_id)
