"""Search for linking and operator merges over in-memory fakes."""

import pytest

from factory_registry.domain.errors import FactoryMergedError, InvalidFieldsError
from factory_registry.domain.search import SearchCriteria
from factory_registry.domain.values import Identifiers
from factory_registry.service_layer.handlers import FactoryRegistry
from shared_audits.contracts.events import FactoriesMerged
from shared_audits.errors import ConflictError, NotFoundError, PermissionDeniedError
from shared_audits.testing import audit_company, factory_account, member, operator


async def test_a_member_finds_unlinked_sites_by_name_country_city_or_identifier(
    registry: FactoryRegistry, site
) -> None:
    sunrise = await registry.register_factory(
        operator(), site("Sunrise Garments", city="Gazipur", identifiers=Identifiers(duns="123456789"))
    )
    await registry.register_factory(operator(), site("Moonlight Knitting", city="Dhaka"))
    await registry.register_factory(operator(), site("Sunrise Apparel", country="VN", city="Hanoi"))
    searcher = member("m-1")

    by_name = await registry.search(searcher, SearchCriteria(name="sunrise"))
    assert {s.name for s, _ in by_name} == {"Sunrise Garments", "Sunrise Apparel"}
    in_bd = await registry.search(searcher, SearchCriteria(name="sunrise", country="BD", city="gazipur"))
    assert [s.id for s, _ in in_bd] == [sunrise.id]
    assert [s.id for s, _ in await registry.search(searcher, SearchCriteria(identifier="123-456-789"))] == [sunrise.id]
    assert await registry.search(searcher, SearchCriteria(name="zzzzzz")) == []
    # Every word narrows; a typo or a prefix still finds the site.
    assert [s.id for s, _ in await registry.search(searcher, SearchCriteria(name="sunrse garm"))] == [sunrise.id]
    assert await registry.search(searcher, SearchCriteria(name="sunrise knitting")) == []


async def test_factories_and_auditors_do_not_search(registry: FactoryRegistry) -> None:
    for caller in (factory_account("f-1"), audit_company("a-1")):
        with pytest.raises(PermissionDeniedError):
            await registry.search(caller, SearchCriteria(name="sunrise"))


async def test_the_operator_merges_two_sites_and_the_merged_id_points_to_the_survivor(
    registry: FactoryRegistry, site
) -> None:
    merged = await registry.register_factory(operator(), site("Sunrise Garments"))
    surviving = await registry.register_factory(operator(), site("Sunrise Garments Ltd"), confirm_new=True)
    registry.links.links.add(("m-1", merged.id))

    await registry.merge(operator(), merged.id, surviving.id)

    assert FactoriesMerged(factory_id=surviving.id, merged_factory_id=merged.id) in registry.factories.published
    with pytest.raises(FactoryMergedError) as redirect:
        await registry.factory_for(member("m-1"), merged.id)
    assert redirect.value.surviving_factory_id == surviving.id
    # A member linked to neither side learns nothing, not even that a merge happened.
    with pytest.raises(NotFoundError):
        await registry.factory_for(member("m-2"), merged.id)
    assert [s.id for s, _ in await registry.search(member("m-2"), SearchCriteria(name="sunrise"))] == [surviving.id]


async def test_merges_are_for_the_operator_and_between_two_live_sites(registry: FactoryRegistry, site) -> None:
    a = await registry.register_factory(operator(), site("Alpha"))
    b = await registry.register_factory(operator(), site("Beta"))
    c = await registry.register_factory(operator(), site("Gamma"))
    with pytest.raises(PermissionDeniedError):
        await registry.merge(member("m-1"), a.id, b.id)
    with pytest.raises(InvalidFieldsError):
        await registry.merge(operator(), a.id, a.id)
    with pytest.raises(NotFoundError):
        await registry.merge(operator(), a.id, "nope")
    await registry.merge(operator(), a.id, b.id)
    with pytest.raises(ConflictError):
        await registry.merge(operator(), c.id, a.id)
    with pytest.raises(ConflictError):
        await registry.merge(operator(), a.id, c.id)
