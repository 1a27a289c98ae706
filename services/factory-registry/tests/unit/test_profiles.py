"""Factory Profiles and the supply-chain map over in-memory fakes."""

import pytest
from pydantic import ValidationError

from factory_registry.domain.errors import FactoryMergedError, InvalidFieldsError
from factory_registry.domain.profile import ProfileContent, Workforce
from factory_registry.service_layer.handlers import FactoryRegistry
from shared_audits.contracts.events import FactoryProfileSubmitted
from shared_audits.errors import NotFoundError, PermissionDeniedError
from shared_audits.testing import factory_account, member, operator

WORKFORCE = {"female": 120, "male": 80, "permanent": 180, "temporary": 20, "migrant": 15, "under_18": 2}


def content(**fields) -> ProfileContent:
    return ProfileContent.model_validate({"workforce": WORKFORCE, **fields})


async def test_every_submission_is_kept_and_the_latest_is_current(registry: FactoryRegistry, site) -> None:
    created = await registry.register_factory(operator(), site())
    own = factory_account(created.id)
    first = await registry.submit_profile(own, created.id, content())
    second = await registry.submit_profile(own, created.id, content(dormitories={"provided": False}))
    assert (first.profile_version, second.profile_version) == (1, 2)
    assert (await registry.current_profile(own, created.id)).profile_version == 2
    history, next_version = await registry.profile_history(operator(), created.id)
    assert ([p.profile_version for p in history], next_version) == ([1, 2], None)
    assert (await registry.profile_version(own, created.id, 1)).content.dormitories is None
    assert [e for e in registry.profiles.store.published if isinstance(e, FactoryProfileSubmitted)] == [
        FactoryProfileSubmitted(factory_id=created.id, profile_version=1, workforce_total=200,
                                completeness=first.completeness),
        FactoryProfileSubmitted(factory_id=created.id, profile_version=2, workforce_total=200,
                                completeness=second.completeness),
    ]
    assert second.completeness > first.completeness and second.rules_version == registry.rules.version


async def test_only_the_factorys_own_account_submits_its_profile(registry: FactoryRegistry, site) -> None:
    created = await registry.register_factory(operator(), site())
    registry.links.links.add(("m-1", created.id))
    for caller in (operator(), member("m-1")):
        with pytest.raises(PermissionDeniedError):
            await registry.submit_profile(caller, created.id, content())
    with pytest.raises(NotFoundError):
        await registry.submit_profile(factory_account("someone-else"), created.id, content())
    assert await registry.profiles.page_of(created.id, limit=10) == []


async def test_the_history_answers_a_page_at_a_time(registry: FactoryRegistry, site) -> None:
    created = await registry.register_factory(operator(), site())
    for _ in range(3):
        await registry.submit_profile(factory_account(created.id), created.id, content())
    first, after = await registry.profile_history(operator(), created.id, limit=2)
    rest, last = await registry.profile_history(operator(), created.id, limit=2, after_version=after)
    assert ([p.profile_version for p in first], after) == ([1, 2], 2)
    assert ([p.profile_version for p in rest], last) == ([3], None)


@pytest.mark.parametrize(
    ("workforce", "message"),
    [
        ({**WORKFORCE, "permanent": 10}, r"permanent \+ temporary"),
        ({**WORKFORCE, "migrant": 201}, "migrant"),
        ({**WORKFORCE, "under_18": 500}, "under_18"),
        ({**WORKFORCE, "female": -1}, "greater than or equal to 0"),
    ],
)
def test_inconsistent_or_negative_workforce_numbers_are_refused(workforce: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Workforce.model_validate(workforce)


async def test_absurd_workforce_numbers_are_refused_by_the_rules(registry: FactoryRegistry, site) -> None:
    created = await registry.register_factory(operator(), site())
    absurd = {"female": 5_000_000, "male": 0, "permanent": 5_000_000, "temporary": 0}
    with pytest.raises(InvalidFieldsError) as refused:
        await registry.submit_profile(factory_account(created.id), created.id, content(workforce=absurd))
    assert refused.value.extensions["errors"][0]["field"] == "body.workforce"
    assert await registry.profiles.page_of(created.id, limit=10) == []


async def test_an_external_process_names_a_registered_subcontractor(registry: FactoryRegistry, site) -> None:
    created = await registry.register_factory(operator(), site())
    unknown = content(processes=[{"name": "printing", "kind": "external", "subcontractor_id": "nope"}])
    itself = content(processes=[{"name": "printing", "kind": "external", "subcontractor_id": created.id}])
    for body in (unknown, itself):
        with pytest.raises(InvalidFieldsError) as refused:
            await registry.submit_profile(factory_account(created.id), created.id, body)
        assert refused.value.extensions["errors"][0]["field"] == "body.processes.0.subcontractor_id"
    with pytest.raises(ValidationError, match="names its subcontractor_id"):
        content(processes=[{"name": "printing", "kind": "external"}])


async def test_the_supply_chain_maps_both_ways_without_showing_unlinked_profiles(
    registry: FactoryRegistry, site
) -> None:
    brand_site = await registry.register_factory(operator(), site("Sunrise Garments"))
    printer = await registry.register_factory(operator(), site("Delta Printers", city="Savar"))
    processes = [
        {"name": "cutting", "kind": "internal"},
        {"name": "screen printing", "kind": "external", "subcontractor_id": printer.id},
    ]
    await registry.submit_profile(factory_account(brand_site.id), brand_site.id, content(processes=processes))
    registry.links.links.add(("m-1", brand_site.id))
    registry.links.links.add(("m-2", printer.id))

    [up] = await registry.upstream(member("m-1"), brand_site.id)
    assert (up.site.id, up.processes) == (printer.id, ["screen printing"])
    # m-2 works with the printer only: it learns the contractor's card, not its profile's processes.
    [down] = await registry.downstream(member("m-2"), printer.id)
    assert (down.site.id, down.processes) == (brand_site.id, None)
    [down_for_operator] = await registry.downstream(operator(), printer.id)
    assert down_for_operator.processes == ["screen printing"]
    for hidden in ((member("m-2"), brand_site.id), (member("m-1"), printer.id)):
        with pytest.raises(NotFoundError):
            await registry.upstream(*hidden)
        with pytest.raises(NotFoundError):
            await registry.downstream(*hidden)


async def test_only_the_current_profile_maps_the_chain(registry: FactoryRegistry, site) -> None:
    contractor = await registry.register_factory(operator(), site("Sunrise Garments"))
    printer = await registry.register_factory(operator(), site("Delta Printers"))
    external = [{"name": "printing", "kind": "external", "subcontractor_id": printer.id}]
    own = factory_account(contractor.id)
    await registry.submit_profile(own, contractor.id, content(processes=external))
    assert len(await registry.downstream(operator(), printer.id)) == 1
    await registry.submit_profile(own, contractor.id, content(processes=[{"name": "printing", "kind": "internal"}]))
    assert await registry.downstream(operator(), printer.id) == []
    assert await registry.upstream(operator(), contractor.id) == []


async def test_a_merged_sites_profile_redirects(registry: FactoryRegistry, site) -> None:
    merged = await registry.register_factory(operator(), site("Sunrise"))
    surviving = await registry.register_factory(operator(), site("Sunrise Garments"), confirm_new=True)
    await registry.merge(operator(), merged.id, surviving.id)
    with pytest.raises(FactoryMergedError):
        await registry.current_profile(operator(), merged.id)
