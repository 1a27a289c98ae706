"""In-memory fakes of the registry's ports (``service_layer/ports.py``) for the unit tests.

They only keep and find; the rules they would otherwise repeat live in the domain.
"""

from __future__ import annotations

from datetime import datetime

from factory_registry.domain.model import Factory
from factory_registry.domain.profile import FactoryProfile, profile_id
from shared_audits.errors import ConflictError
from shared_audits.testing import InMemoryAggregateStore

EVERYTHING = 10**9


class InMemoryProfileVersions:
    def __init__(self, store: InMemoryAggregateStore[FactoryProfile] | None = None) -> None:
        self.store: InMemoryAggregateStore[FactoryProfile] = store or InMemoryAggregateStore()

    async def add(self, profile: FactoryProfile) -> None:
        await self.store.add(profile)

    async def version(self, factory_id: str, profile_version: int) -> FactoryProfile | None:
        return await self.store.get(profile_id(factory_id, profile_version))

    async def latest(self, factory_id: str) -> FactoryProfile | None:
        versions = await self.store.find(limit=EVERYTHING, factory_id=factory_id)
        return versions[-1] if versions else None

    async def page_of(self, factory_id: str, limit: int, after_version: int = 0) -> list[FactoryProfile]:
        return await self.store.find(limit=limit, after=profile_id(factory_id, after_version), factory_id=factory_id)

    async def ever_naming(self, subcontractor_id: str) -> list[str]:
        everything = await self.store.find(limit=EVERYTHING)
        return sorted({p.factory_id for p in everything if subcontractor_id in p.subcontractor_ids})


class InMemoryIdentifierClaims:
    def __init__(self) -> None:
        self.claims: dict[str, tuple[str, datetime]] = {}

    async def holders(self, keys: list[str]) -> dict[str, tuple[str, datetime]]:
        return {key: self.claims[key] for key in keys if key in self.claims}

    async def claim(self, key: str, factory_id: str, now: datetime, replacing: str | None = None) -> None:
        held = self.claims.get(key)
        if (held is not None and held[0] != replacing) or (held is None and replacing is not None):
            raise ConflictError(f"identifier {key} was just claimed by another registration")
        self.claims[key] = (factory_id, now)

    async def claim_all(self, claims: dict[str, str], now: datetime) -> list[str]:
        taken = [key for key, factory_id in claims.items() if self.claims.get(key, (factory_id,))[0] != factory_id]
        self.claims |= {key: (factory_id, now) for key, factory_id in claims.items() if key not in taken}
        return taken

    async def release(self, keys: list[str], factory_id: str) -> None:
        for key in keys:
            if self.claims.get(key, (None,))[0] == factory_id:
                del self.claims[key]

    async def factory_holding(self, key: str) -> str | None:
        held = self.claims.get(key)
        return held[0] if held else None


class InMemorySiteIndex:
    """The site index over the in-memory store: the sites holding a key, as the database's multikey index."""

    def __init__(self, factories: InMemoryAggregateStore[Factory]) -> None:
        self.factories = factories

    async def sharing(self, keys: list[str], limit: int) -> list[Factory]:
        wanted = set(keys)
        found = [site for site in await self.factories.find(limit=EVERYTHING)
                 if not site.is_merged and wanted.intersection(site.match_keys)]
        return found[:limit]

    async def existing_ids(self, ids: list[str]) -> set[str]:
        return {site.id for site in await self.factories.find(limit=EVERYTHING) if site.id in set(ids)}
