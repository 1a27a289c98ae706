"""access-control's use cases over in-memory fakes."""

import jwt
import pytest

from access_control.adapters.known_factories import InMemoryKnownFactories
from access_control.adapters.signing_keys import SigningKey
from access_control.service_layer.handlers import AccessControl
from shared_audits.auth import principal_from_claims
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.contracts.events import FactoryLinked, FactoryUnlinked, OrganisationRegistered
from shared_audits.errors import ConflictError, NotFoundError, PermissionDeniedError, UnauthenticatedError
from shared_audits.store import InMemoryAggregateStore
from shared_audits.testing import factory_account, member, operator


class PlainHasher:
    """Stands in for argon2 so the tests stay fast; the real one is used in integration."""

    @staticmethod
    def new_secret() -> str:
        return "secret-1"

    def hash(self, secret: str) -> str:
        return f"hashed:{secret}"

    def verify(self, secret_hash: str, secret: str) -> bool:
        return secret_hash == f"hashed:{secret}"


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def access(key: SigningKey) -> AccessControl:
    return AccessControl(
        organisations=InMemoryAggregateStore(),
        links=InMemoryAggregateStore(),
        known_factories=InMemoryKnownFactories({"f-1"}),
        hasher=PlainHasher(),
        signer=lambda: key,
        issuer="test-issuer",
        audience="test-audience",
        token_ttl_seconds=60,
    )


async def test_only_the_operator_registers_organisations(access: AccessControl) -> None:
    with pytest.raises(PermissionDeniedError):
        await access.register_organisation(member("m-1"), "Brand", OrganisationKind.MEMBER, None)
    registered = await access.register_organisation(operator(), "Brand", OrganisationKind.MEMBER, None)
    assert registered.client_secret == "secret-1"
    assert access.organisations.published == [
        OrganisationRegistered(organisation_id=registered.organisation.id, name="Brand", kind="member")
    ]


async def test_a_factory_organisation_names_a_registered_site(access: AccessControl) -> None:
    with pytest.raises(NotFoundError):
        await access.register_organisation(operator(), "Site", OrganisationKind.FACTORY, "f-unknown")
    registered = await access.register_organisation(operator(), "Site", OrganisationKind.FACTORY, "f-1")
    assert registered.organisation.factory_id == "f-1"


async def test_a_token_carries_the_organisation_and_verifies_with_the_public_key(
    access: AccessControl, key: SigningKey
) -> None:
    registered = await access.register_organisation(operator(), "Site", OrganisationKind.FACTORY, "f-1")
    issued = await access.issue_token(registered.organisation.client_id, "secret-1")
    public = jwt.PyJWK(key.public_jwk())
    claims = jwt.decode(issued.access_token, public.key, algorithms=["EdDSA"], audience="test-audience")
    principal = principal_from_claims(claims)
    assert principal.organisation_id == registered.organisation.id
    assert principal.is_factory and principal.factory_id == "f-1"
    assert claims["exp"] - claims["iat"] == 60


async def test_a_wrong_secret_gets_no_token(access: AccessControl) -> None:
    registered = await access.register_organisation(operator(), "Brand", OrganisationKind.MEMBER, None)
    with pytest.raises(UnauthenticatedError):
        await access.issue_token(registered.organisation.client_id, "guess")
    with pytest.raises(UnauthenticatedError):
        await access.issue_token("client-unknown", "secret-1")


async def test_linking_and_unlinking_keep_history_and_raise_events(access: AccessControl) -> None:
    brand = member("m-1")
    link = await access.link_factory(brand, "f-1", "supplier")
    with pytest.raises(ConflictError):
        await access.link_factory(brand, "f-1", "supplier")
    await access.unlink_factory(brand, "f-1")
    relinked = await access.link_factory(brand, "f-1", "in_referencing")
    assert [change.linked for change in relinked.history] == [True, False, True]
    assert [type(e) for e in access.links.published] == [FactoryLinked, FactoryUnlinked, FactoryLinked]
    assert link.member_id == "m-1"


async def test_only_members_link_and_only_known_sites(access: AccessControl) -> None:
    with pytest.raises(PermissionDeniedError):
        await access.link_factory(factory_account("f-1"), "f-1", "supplier")
    with pytest.raises(NotFoundError):
        await access.link_factory(member("m-1"), "f-unknown", "supplier")
    with pytest.raises(NotFoundError):
        await access.unlink_factory(member("m-1"), "f-1")
