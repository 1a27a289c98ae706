"""Factory Profile versions: each an aggregate inserted once (state and event in one write)."""

from __future__ import annotations

from typing import Protocol

from factory_registry.domain.profile import FactoryProfile, profile_id
from shared_audits.store import MongoAggregateStore
from shared_audits.testing import InMemoryAggregateStore

MAX_VERSIONS_LISTED = 1000


class ProfileVersions(Protocol):
    async def add(self, profile: FactoryProfile) -> None: ...
    async def version(self, factory_id: str, profile_version: int) -> FactoryProfile | None: ...
    async def latest(self, factory_id: str) -> FactoryProfile | None: ...
    async def all_of(self, factory_id: str) -> list[FactoryProfile]: ...
    async def current_naming_subcontractor(self, factory_id: str) -> list[FactoryProfile]: ...


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

    async def all_of(self, factory_id: str) -> list[FactoryProfile]:
        return await self.store.find(limit=MAX_VERSIONS_LISTED, factory_id=factory_id)

    async def current_naming_subcontractor(self, factory_id: str) -> list[FactoryProfile]:
        cursor = self._collection.find({"subcontractor_ids": factory_id}, {"factory_id": 1})
        contractors = sorted({document["factory_id"] async for document in cursor})
        return await _still_naming(self, contractors, factory_id)


class InMemoryProfileVersions:
    def __init__(self) -> None:
        self.store: InMemoryAggregateStore[FactoryProfile] = InMemoryAggregateStore()

    async def add(self, profile: FactoryProfile) -> None:
        await self.store.add(profile)

    async def version(self, factory_id: str, profile_version: int) -> FactoryProfile | None:
        return await self.store.get(profile_id(factory_id, profile_version))

    async def latest(self, factory_id: str) -> FactoryProfile | None:
        versions = await self.all_of(factory_id)
        return versions[-1] if versions else None

    async def all_of(self, factory_id: str) -> list[FactoryProfile]:
        return await self.store.find(limit=MAX_VERSIONS_LISTED, factory_id=factory_id)

    async def current_naming_subcontractor(self, factory_id: str) -> list[FactoryProfile]:
        everything = await self.store.find(limit=100_000)
        contractors = sorted({p.factory_id for p in everything if factory_id in p.subcontractor_ids})
        return await _still_naming(self, contractors, factory_id)


async def _still_naming(versions: ProfileVersions, contractors: list[str], factory_id: str) -> list[FactoryProfile]:
    # Only a contractor's current profile maps the chain; older versions are history.
    current = [await versions.latest(contractor) for contractor in contractors]
    return [profile for profile in current if profile and factory_id in profile.subcontractor_ids]
