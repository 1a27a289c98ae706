from datetime import UTC, datetime

import pytest

from factory_registry.adapters.identifier_claims import InMemoryIdentifierClaims
from factory_registry.adapters.profiles import InMemoryProfileVersions
from factory_registry.adapters.rules import load_registry_rules
from factory_registry.domain.model import SiteDetails
from factory_registry.service_layer.handlers import FactoryRegistry
from shared_audits.links import InMemoryLinkProjection
from shared_audits.store import InMemoryAggregateStore

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def registry() -> FactoryRegistry:
    return FactoryRegistry(
        factories=InMemoryAggregateStore(),
        profiles=InMemoryProfileVersions(),
        identifiers=InMemoryIdentifierClaims(),
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
