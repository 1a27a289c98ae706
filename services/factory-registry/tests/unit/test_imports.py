"""The operator imports sites from the system the platform replaces, with their ids; a re-run skips them."""

from datetime import UTC, datetime

import pytest

from factory_registry.adapters.identifier_claims import InMemoryIdentifierClaims
from factory_registry.domain.values import Identifiers
from factory_registry.service_layer.handlers import FactoryRegistry
from shared_audits.errors import PermissionDeniedError
from shared_audits.testing import member, operator


async def test_imported_sites_keep_their_ids_and_announce_themselves(registry: FactoryRegistry, site) -> None:
    outcome = await registry.import_factories(operator(), [("old-1", site("One")), ("old-2", site("Two"))])
    assert (outcome.imported, outcome.already_imported, outcome.rejected) == (2, 0, [])
    assert (await registry.factories.get("old-1")).name == "One"
    assert [event.factory_id for event in registry.factories.published] == ["old-1", "old-2"]


async def test_a_re_run_skips_what_is_in_and_a_taken_identifier_is_refused(registry: FactoryRegistry, site) -> None:
    duns = Identifiers(duns="123456789")
    await registry.import_factories(operator(), [("old-1", site("One", identifiers=duns))])
    outcome = await registry.import_factories(operator(), [("old-1", site("One", identifiers=duns)),
                                                           ("old-2", site("Two", identifiers=duns))])
    assert (outcome.imported, outcome.already_imported) == (0, 1)
    assert [r["factory_id"] for r in outcome.rejected] == ["old-2"]


async def test_only_the_operator_imports_sites(registry: FactoryRegistry, site) -> None:
    with pytest.raises(PermissionDeniedError):
        await registry.import_factories(member("m-a"), [("old-1", site())])


async def test_two_records_of_one_batch_cannot_hold_one_identifier(registry: FactoryRegistry, site) -> None:
    duns = Identifiers(duns="123456789")
    outcome = await registry.import_factories(operator(), [("old-1", site("One", identifiers=duns)),
                                                           ("old-2", site("Two", identifiers=duns))])
    assert (outcome.imported, [r["factory_id"] for r in outcome.rejected]) == (1, ["old-2"])
    assert await registry.identifiers.factory_holding("duns:123456789") == "old-1"


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
    outcome = await registry.import_factories(operator(), [("old-1", site("One", identifiers=both)),
                                                           ("old-2", site("Two"))])
    assert (outcome.imported, [r["factory_id"] for r in outcome.rejected]) == (1, ["old-1"])
    assert await registry.factories.get("old-1") is None
    assert await registry.identifiers.factory_holding("lei:5493001KJTIIGC8Y1R12") is None
