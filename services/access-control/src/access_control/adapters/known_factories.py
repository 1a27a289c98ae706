"""Sites registered in factory-registry, as far as access-control needs to know them."""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoriesMerged, FactoryRegistered


class MongoKnownFactories:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def exists(self, factory_id: str) -> bool:
        """A registered site that was not merged into another (a merged id takes no new links)."""
        document = await self._collection.find_one({"_id": factory_id}, {"merged_into": 1})
        return document is not None and not document.get("merged_into")

    async def apply_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None:
        await self._collection.update_one(
            {"_id": event.factory_id}, {"$set": {"name": event.name, "country": event.country}}, upsert=True
        )

    async def apply_merged(self, event: FactoriesMerged, envelope: EventEnvelope) -> None:
        await self._collection.update_one(
            {"_id": event.merged_factory_id}, {"$set": {"merged_into": event.factory_id}}, upsert=True
        )
