"""Fixtures of factory-registry's unit tests: the handlers over fakes, and the whole app over fakes."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from factory_registry.adapters.rules import load_registry_rules
from factory_registry.bootstrap import Adapters, build_app
from factory_registry.config import Settings
from factory_registry.domain.model import SiteDetails
from factory_registry.service_layer.handlers import FactoryRegistry
from shared_audits.testing import InMemoryAggregateStore, InMemoryLinkProjection, InMemorySharedAdapters
from shared_audits.testing.app import RunningApp, running

from .fakes import InMemoryIdentifierClaims, InMemoryProfileVersions, InMemorySiteIndex

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


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


@pytest.fixture
def shared() -> InMemorySharedAdapters:
    """The runtime's own adapters in memory: links, merged ids, member groups, dead letters, tokens."""
    return InMemorySharedAdapters()


@pytest.fixture
def adapters(shared: InMemorySharedAdapters) -> Adapters:
    factories = shared.store()
    return Adapters(factories=factories, profiles=InMemoryProfileVersions(shared.store()),
                    identifiers=InMemoryIdentifierClaims(), site_index=InMemorySiteIndex(factories), shared=shared)


@pytest.fixture
async def app(adapters: Adapters) -> AsyncIterator[RunningApp]:
    """factory-registry in process: its routes and subscriptions over the fakes, on TestKafkaBroker."""
    async with running(build_app(Settings(), adapters=adapters)) as service:
        yield service
