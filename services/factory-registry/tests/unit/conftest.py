from datetime import UTC, datetime

import pytest

from factory_registry.adapters.identifier_claims import InMemoryIdentifierClaims
from factory_registry.adapters.profiles import InMemoryProfileVersions
from factory_registry.adapters.rules import load_registry_rules
from factory_registry.domain.model import Factory, SiteDetails
from factory_registry.service_layer.handlers import FactoryRegistry
from shared_audits.testing import InMemoryAggregateStore, InMemoryLinkProjection

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class InMemorySiteIndex:
    """The site index over the in-memory store: the sites holding a key, as the database's multikey index."""

    def __init__(self, factories: InMemoryAggregateStore[Factory]) -> None:
        self.factories = factories

    async def sharing(self, keys: list[str], limit: int) -> list[Factory]:
        wanted = set(keys)
        found = [site for site in await self.factories.find(limit=10**9)
                 if not site.is_merged and wanted.intersection(site.match_keys)]
        return found[:limit]

    async def existing_ids(self, ids: list[str]) -> set[str]:
        return {site.id for site in await self.factories.find(limit=10**9) if site.id in set(ids)}


@pytest.fixture
def registry() -> FactoryRegistry:
    factories = InMemoryAggregateStore()
    return FactoryRegistry(
        factories=factories,
        profiles=InMemoryProfileVersions(),
        identifiers=InMemoryIdentifierClaims(),
        site_index=InMemorySiteIndex(factories),
        links=InMemoryLinkProjection(),
        rules=load_registry_rules(),
        clock=lambda: NOW,
    )


def make_site(name: str = "Sunrise Garments", country: str = "BD", **fields) -> SiteDetails:
    return SiteDetails(name=name, country=country, **fields)


@pytest.fixture
def site():
    """Site details with defaults: ``site("Name", city=...)``."""
    return make_site
