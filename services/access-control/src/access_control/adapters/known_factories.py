"""Sites registered in factory-registry, as far as access-control needs to know them."""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from access_control.domain.known_factories import KnownFactory
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoriesMerged, FactoryRegistered


class MongoKnownFactories:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def get(self, factory_id: str) -> KnownFactory | None:
        document = await self._collection.find_one({"_id": factory_id}, {"merged_into": 1})
        return KnownFactory(factory_id, document.get("merged_into") or None) if document else None

    async def apply_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None:
        await self._collection.update_one(
            {"_id": event.factory_id}, {"$set": {"name": event.name, "country": event.country}}, upsert=True
        )

    async def apply_merged(self, event: FactoriesMerged, envelope: EventEnvelope) -> None:
        await self._collection.update_one(
            {"_id": event.merged_factory_id}, {"$set": {"merged_into": event.factory_id}}, upsert=True
        )
