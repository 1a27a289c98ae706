"""factory-registry's use cases over in-memory fakes."""

import pytest

from factory_registry.service_layer.handlers import FactoryRegistry
from shared_audits.contracts.events import FactoryRegistered
from shared_audits.errors import NotFoundError, PermissionDeniedError
from shared_audits.links import InMemoryLinkProjection
from shared_audits.store import InMemoryAggregateStore
from shared_audits.testing import audit_company, factory_account, member, operator


@pytest.fixture
def registry() -> FactoryRegistry:
    return FactoryRegistry(factories=InMemoryAggregateStore(), links=InMemoryLinkProjection())


async def test_registering_a_site_announces_it(registry: FactoryRegistry) -> None:
    site = await registry.register_factory(operator(), "Sunrise", "BD", "Gazipur", None)
    assert registry.factories.published == [
        FactoryRegistered(factory_id=site.id, name="Sunrise", country="BD", city="Gazipur")
    ]


async def test_factories_and_auditors_do_not_register_sites(registry: FactoryRegistry) -> None:
    for caller in (factory_account("f-1"), audit_company("a-1")):
        with pytest.raises(PermissionDeniedError):
            await registry.register_factory(caller, "X", "BD", None, None)


async def test_a_member_sees_a_site_only_while_linked(registry: FactoryRegistry) -> None:
    site = await registry.register_factory(operator(), "Sunrise", "BD", None, None)
    with pytest.raises(NotFoundError):
        await registry.factory_for(member("m-1"), site.id)
    assert await registry.visible_factories(member("m-1")) == []
    registry.links.links.add(("m-1", site.id))
    assert (await registry.factory_for(member("m-1"), site.id)).name == "Sunrise"
    assert [f.id for f in await registry.visible_factories(member("m-1"))] == [site.id]


async def test_unknown_and_hidden_sites_answer_the_same(registry: FactoryRegistry) -> None:
    site = await registry.register_factory(operator(), "Sunrise", "BD", None, None)
    with pytest.raises(NotFoundError) as hidden:
        await registry.factory_for(factory_account("f-other"), site.id)
    with pytest.raises(NotFoundError) as unknown:
        await registry.factory_for(factory_account("f-other"), "f-nope")
    assert str(hidden.value).replace(site.id, "ID") == str(unknown.value).replace("f-nope", "ID")
    assert (await registry.factory_for(factory_account(site.id), site.id)).id == site.id
