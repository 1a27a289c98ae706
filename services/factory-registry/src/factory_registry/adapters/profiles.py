"""Factory Profile versions: each an aggregate inserted once (state and event in one write)."""

from __future__ import annotations

from factory_registry.domain.profile import FactoryProfile, profile_id
from shared_audits.store import MongoAggregateStore


class MongoProfileVersions:
    def __init__(self, store: MongoAggregateStore[FactoryProfile]) -> None:
        self.store = store
        self._collection = store.collection

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("factory_id", 1), ("profile_version", -1)])
        await self._collection.create_index([("subcontractor_ids", 1)])

    async def add(self, profile: FactoryProfile) -> None:
        await self.store.add(profile)

    async def version(self, factory_id: str, profile_version: int) -> FactoryProfile | None:
        return await self.store.get(profile_id(factory_id, profile_version))

    async def latest(self, factory_id: str) -> FactoryProfile | None:
        document = await self._collection.find_one(
            {"factory_id": factory_id}, {"_id": 1}, sort=[("profile_version", -1)]
        )
        return await self.store.get(document["_id"]) if document else None

    async def page_of(self, factory_id: str, limit: int, after_version: int = 0) -> list[FactoryProfile]:
        # Ids sort by version (zero-padded): the store's id order is the versions' order.
        return await self.store.find(limit=limit, after=profile_id(factory_id, after_version), factory_id=factory_id)

    async def ever_naming(self, subcontractor_id: str) -> list[str]:
        cursor = self._collection.find({"subcontractor_ids": subcontractor_id}, {"factory_id": 1})
        return sorted({document["factory_id"] async for document in cursor})
