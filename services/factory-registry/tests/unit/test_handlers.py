"""factory-registry's site use cases over in-memory fakes: registration, visibility, duplicates."""

import pytest

from factory_registry.domain.errors import DuplicateIdentifierError, PossibleDuplicateError
from factory_registry.domain.values import Coordinates, Identifiers
from factory_registry.service_layer.handlers import FactoryRegistry
from shared_audits.contracts.events import FactoryRegistered
from shared_audits.errors import NotFoundError, PermissionDeniedError
from shared_audits.testing import audit_company, factory_account, member, operator


async def test_registering_a_site_announces_it(registry: FactoryRegistry, site) -> None:
    created = await registry.register_factory(operator(), site(city="Gazipur"))
    assert registry.factories.published == [
        FactoryRegistered(factory_id=created.id, name="Sunrise Garments", country="BD", city="Gazipur")
    ]
    assert created.registered_at == registry.clock()


async def test_factories_and_auditors_do_not_register_sites(registry: FactoryRegistry, site) -> None:
    for caller in (factory_account("f-1"), audit_company("a-1")):
        with pytest.raises(PermissionDeniedError):
            await registry.register_factory(caller, site())


async def test_a_member_sees_a_site_only_while_linked(registry: FactoryRegistry, site) -> None:
    created = await registry.register_factory(member("m-1"), site())
    with pytest.raises(NotFoundError):
        await registry.factory_for(member("m-1"), created.id)
    assert await registry.visible_factories(member("m-1")) == ([], None)
    registry.links.links.add(("m-1", created.id))
    assert (await registry.factory_for(member("m-1"), created.id)).name == "Sunrise Garments"
    visible, _ = await registry.visible_factories(member("m-1"))
    assert [f.id for f in visible] == [created.id]


async def test_the_sites_a_caller_sees_answer_a_page_at_a_time(registry: FactoryRegistry, site) -> None:
    ids = sorted([(await registry.register_factory(operator(), site(name), confirm_new=True)).id
                  for name in ("Alpha Knits", "Bravo Dyeing", "Charlie Denim")])
    for factory_id in ids:
        registry.links.links.add(("m-1", factory_id))
    for caller in (operator(), member("m-1")):
        first, cursor = await registry.visible_factories(caller, limit=2)
        rest, last = await registry.visible_factories(caller, limit=2, after=cursor)
        assert ([f.id for f in first], cursor) == (ids[:2], ids[1])
        assert ([f.id for f in rest], last) == (ids[2:], None)


async def test_unknown_and_hidden_sites_answer_the_same(registry: FactoryRegistry, site) -> None:
    created = await registry.register_factory(operator(), site())
    with pytest.raises(NotFoundError) as hidden:
        await registry.factory_for(factory_account("f-other"), created.id)
    with pytest.raises(NotFoundError) as unknown:
        await registry.factory_for(factory_account("f-other"), "f-nope")
    assert str(hidden.value).replace(created.id, "ID") == str(unknown.value).replace("f-nope", "ID")
    assert (await registry.factory_for(factory_account(created.id), created.id)).id == created.id


async def test_a_lookalike_site_is_answered_with_candidates_showing_only_the_card(registry: FactoryRegistry, site) -> None:
    first = await registry.register_factory(
        operator(), site("Sunrise Garments Ltd.", city="Gazipur", address="Plot 7, BSCIC Industrial Estate",
                         contact={"email": "hr@sunrise.example"}, identifiers=Identifiers(duns="123456789"))
    )
    with pytest.raises(PossibleDuplicateError) as refused:
        await registry.register_factory(
            member("m-1"), site("SUNRISE GARMENTS LIMITED", city="Gazipur", address="plot 7 BSCIC industrial estate")
        )
    [candidate] = refused.value.extensions["candidates"]
    assert candidate["factory_id"] == first.id and candidate["score"] >= 85
    assert candidate["matched_on"] == ["name_address"]
    assert set(candidate) == {"factory_id", "name", "city", "country", "identifiers", "score", "matched_on"}
    assert len(await registry.factories.find()) == 1


async def test_a_confirmed_new_site_is_registered_despite_lookalikes(registry: FactoryRegistry, site) -> None:
    await registry.register_factory(operator(), site("Sunrise Garments"))
    await registry.register_factory(member("m-1"), site("Sunrise Garments"), confirm_new=True)
    assert len(await registry.factories.find()) == 2


async def test_a_site_on_the_same_spot_is_a_candidate_unless_its_name_tells_it_apart(
    registry: FactoryRegistry, site,
) -> None:
    first = await registry.register_factory(operator(), site("Sunrise", coordinates=Coordinates(lat=24.0, lon=90.4)))
    # About 55 m north, within the rules' 150 m: a name of generic words only tells nothing, so it is asked.
    nearby = site("Garment Factory", coordinates=Coordinates(lat=24.0005, lon=90.4))
    with pytest.raises(PossibleDuplicateError) as refused:
        await registry.register_factory(operator(), nearby)
    assert [c["factory_id"] for c in refused.value.extensions["candidates"]] == [first.id]
    assert refused.value.extensions["candidates"][0]["matched_on"] == ["coordinates"]
    # A lookalike name written differently on the same spot is one too.
    with pytest.raises(PossibleDuplicateError):
        await registry.register_factory(operator(), site("SUNRSE KNIT", coordinates=Coordinates(lat=24.0005, lon=90.4)))
    # Another name there is another site (a building holds several factories).
    tenant = site("Completely Different Knitwear", coordinates=Coordinates(lat=24.0005, lon=90.4))
    assert (await registry.register_factory(operator(), tenant)).name == "Completely Different Knitwear"


async def test_sites_in_other_countries_are_not_duplicates(registry: FactoryRegistry, site) -> None:
    await registry.register_factory(operator(), site("Sunrise Garments", country="BD"))
    assert (await registry.register_factory(operator(), site("Sunrise Garments", country="VN"))).country == "VN"


async def test_a_duplicate_identifier_is_refused_even_when_confirmed_new(registry: FactoryRegistry, site) -> None:
    first = await registry.register_factory(operator(), site("Alpha", identifiers=Identifiers(duns="123456789")))
    with pytest.raises(DuplicateIdentifierError) as refused:
        await registry.register_factory(
            operator(), site("Beta", identifiers=Identifiers(duns="123456789")), confirm_new=True
        )
    assert refused.value.extensions["errors"][0]["field"] == "body.identifiers.duns"
    assert refused.value.extensions["existing"][0]["factory_id"] == first.id
    assert len(await registry.factories.find()) == 1


async def test_a_claim_left_by_a_crashed_registration_is_taken_over_once_stale(registry: FactoryRegistry, site) -> None:
    from datetime import timedelta

    await registry.identifiers.claim("duns:123456789", "never-written", registry.clock() - timedelta(hours=1))
    created = await registry.register_factory(operator(), site("Alpha", identifiers=Identifiers(duns="123456789")))
    assert await registry.identifiers.factory_holding("duns:123456789") == created.id
