"""The operator imports sites from the system the platform replaces, with their ids; a re-run skips them;
lookalikes are held for the operator's review."""

from datetime import UTC, datetime

import pytest

from factory_registry.domain.values import Identifiers
from factory_registry.service_layer.handlers import FactoryRegistry, ImportRecord
from shared_audits.contracts.events import FactoriesMerged
from shared_audits.errors import PermissionDeniedError
from shared_audits.testing import member, operator

from .fakes import InMemoryIdentifierClaims


async def test_imported_sites_keep_their_ids_and_announce_themselves(registry: FactoryRegistry, site) -> None:
    outcome = await registry.import_factories(operator(), [ImportRecord("old-1", site("One")),
                                                           ImportRecord("old-2", site("Two"))])
    assert (outcome.imported, outcome.already_imported, outcome.rejected) == (2, 0, [])
    assert (await registry.factories.get("old-1")).name == "One"
    assert [event.factory_id for event in registry.factories.published] == ["old-1", "old-2"]


async def test_a_re_run_skips_what_is_in_and_a_record_with_a_taken_identifier_is_held_then_refused_as_new(
    registry: FactoryRegistry, site
) -> None:
    duns = Identifiers(duns="123456789")
    await registry.import_factories(operator(), [ImportRecord("old-1", site("One", identifiers=duns))])
    outcome = await registry.import_factories(operator(), [ImportRecord("old-1", site("One", identifiers=duns)),
                                                           ImportRecord("old-2", site("Two", identifiers=duns))])
    assert (outcome.imported, outcome.already_imported, outcome.rejected) == (0, 1, [])
    [held] = outcome.held_for_review
    assert (held.factory_id, [(m.site.id, m.matched_on) for m in held.candidates]) == (
        "old-2", [("old-1", ["identifiers"])])
    # Confirmed new, it still cannot hold another site's identifier.
    again = await registry.import_factories(operator(), [ImportRecord("old-2", site("Two", identifiers=duns),
                                                                      confirm_new=True)])
    assert [r["factory_id"] for r in again.rejected] == ["old-2"] and again.held_for_review == []


async def test_only_the_operator_imports_sites(registry: FactoryRegistry, site) -> None:
    with pytest.raises(PermissionDeniedError):
        await registry.import_factories(member("m-a"), [ImportRecord("old-1", site())])


async def test_two_records_of_one_file_with_one_identifier_the_second_is_held_as_a_duplicate_of_the_first(
    registry: FactoryRegistry, site
) -> None:
    duns = Identifiers(duns="123456789")
    outcome = await registry.import_factories(operator(), [ImportRecord("old-1", site("One", identifiers=duns)),
                                                           ImportRecord("old-2", site("Two", identifiers=duns))])
    assert outcome.imported == 1 and outcome.rejected == []
    [held] = outcome.held_for_review
    assert (held.factory_id, held.candidates[0].site.id, held.candidates[0].in_file) == ("old-2", "old-1", True)
    assert await registry.identifiers.factory_holding("duns:123456789") == "old-1"
    assert await registry.factories.get("old-2") is None


async def test_a_lookalike_of_a_registered_site_is_held_for_review_and_the_operator_decides(
    registry: FactoryRegistry, site
) -> None:
    registered = await registry.register_factory(operator(), site("Sunrise Garments Ltd", city="Gazipur",
                                                                  address="Plot 7, BSCIC Industrial Estate"))
    lookalike = site("SUNRISE GARMENTS LIMITED", city="Gazipur", address="plot 7 BSCIC ind. estate")
    outcome = await registry.import_factories(operator(), [ImportRecord("old-1", lookalike),
                                                           ImportRecord("old-2", site("Moonlight Knitting"))])
    assert (outcome.imported, [h.factory_id for h in outcome.held_for_review]) == (1, ["old-1"])
    assert outcome.held_for_review[0].candidates[0].site.id == registered.id
    assert await registry.factories.get("old-1") is None

    # The same file again holds it again: nothing is imported silently, nothing is lost.
    again = await registry.import_factories(operator(), [ImportRecord("old-1", lookalike)])
    assert [h.factory_id for h in again.held_for_review] == ["old-1"]

    # The operator says it is that site: kept, merged into it.
    merged = await registry.import_factories(operator(), [ImportRecord("old-1", lookalike, merge_into=registered.id)])
    assert (merged.merged, merged.held_for_review) == (1, [])
    assert (await registry.factories.get("old-1")).merged_into == registered.id
    assert FactoriesMerged(factory_id=registered.id, merged_factory_id="old-1") in registry.factories.published


async def test_a_held_record_confirmed_new_is_imported(registry: FactoryRegistry, site) -> None:
    await registry.register_factory(operator(), site("Sunrise Garments", city="Gazipur"))
    outcome = await registry.import_factories(
        operator(), [ImportRecord("old-1", site("Sunrise Garments", city="Gazipur"), confirm_new=True)])
    assert (outcome.imported, outcome.held_for_review) == (1, [])


async def test_lookalikes_within_the_file_the_first_is_imported_the_later_held(registry: FactoryRegistry, site) -> None:
    outcome = await registry.import_factories(operator(), [
        ImportRecord("old-1", site("华丽服装厂", country="CN", city="东莞")),
        ImportRecord("old-2", site("Huali Garment Factory", country="CN", city="Dongguan")),
        ImportRecord("old-3", site("永兴纺织厂", country="CN", city="东莞")),
    ])
    assert outcome.imported == 2
    [held] = outcome.held_for_review
    assert (held.factory_id, held.candidates[0].site.id, held.candidates[0].in_file) == ("old-2", "old-1", True)


async def test_a_merge_into_that_names_no_site_is_refused(registry: FactoryRegistry, site) -> None:
    outcome = await registry.import_factories(operator(), [ImportRecord("old-1", site("One"), merge_into="nope")])
    assert ([r["factory_id"] for r in outcome.rejected], outcome.merged) == (["old-1"], 0)


async def test_an_identifier_claimed_meanwhile_refuses_its_record_and_frees_its_other_claims(
    registry: FactoryRegistry, site
) -> None:
    class RegistrationInBetween(InMemoryIdentifierClaims):
        """A registration elsewhere claims the DUNS after the import read the holders."""

        async def holders(self, keys):
            found = await super().holders(keys)
            self.claims["duns:123456789"] = ("elsewhere", datetime(2026, 11, 25, tzinfo=UTC))
            return found

    registry.identifiers = RegistrationInBetween()
    both = Identifiers(duns="123456789", lei="5493001KJTIIGC8Y1R12")
    outcome = await registry.import_factories(operator(), [ImportRecord("old-1", site("One", identifiers=both)),
                                                           ImportRecord("old-2", site("Two"))])
    assert (outcome.imported, [r["factory_id"] for r in outcome.rejected]) == (1, ["old-1"])
    assert await registry.factories.get("old-1") is None
    assert await registry.identifiers.factory_holding("lei:5493001KJTIIGC8Y1R12") is None
