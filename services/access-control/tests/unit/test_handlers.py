"""access-control's organisations and client-credential tokens over in-memory fakes (links: test_links.py)."""

import pytest

from access_control.service_layer.handlers import AccessControl
from shared_audits.auth import principal_from_claims
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.contracts.events import OrganisationRegistered
from shared_audits.errors import NotFoundError, PermissionDeniedError, UnauthenticatedError
from shared_audits.testing import member, operator


async def test_only_the_operator_registers_organisations(access: AccessControl) -> None:
    with pytest.raises(PermissionDeniedError):
        await access.register_organisation(member("m-1"), "Brand", OrganisationKind.MEMBER, None)
    registered = await access.register_organisation(operator(), "Brand", OrganisationKind.MEMBER, None)
    assert registered.client_secret == "secret-1"  # pragma: allowlist secret
    assert access.organisations.published == [
        OrganisationRegistered(organisation_id=registered.organisation.id, name="Brand", kind="member")
    ]


async def test_a_factory_organisation_names_a_registered_site(access: AccessControl) -> None:
    with pytest.raises(NotFoundError):
        await access.register_organisation(operator(), "Site", OrganisationKind.FACTORY, "f-unknown")
    registered = await access.register_organisation(operator(), "Site", OrganisationKind.FACTORY, "f-1")
    assert registered.organisation.factory_id == "f-1"


async def test_a_token_carries_the_organisation_and_verifies_with_the_public_key(access: AccessControl, decode) -> None:
    registered = await access.register_organisation(operator(), "Site", OrganisationKind.FACTORY, "f-1")
    issued = await access.issue_token(registered.organisation.client_id, "secret-1")
    claims = await decode(issued.access_token)
    principal = principal_from_claims(claims)
    assert principal.organisation_id == registered.organisation.id
    assert principal.is_factory and principal.factory_id == "f-1"
    assert principal.roles == {"admin"} and principal.scopes == frozenset()
    assert claims["exp"] - claims["iat"] == 60
    assert claims["iss"] == "test-issuer" and claims["aud"] == "test-audience" and claims["sub_type"] == "client"


async def test_a_wrong_secret_gets_no_token(access: AccessControl) -> None:
    registered = await access.register_organisation(operator(), "Brand", OrganisationKind.MEMBER, None)
    with pytest.raises(UnauthenticatedError):
        await access.issue_token(registered.organisation.client_id, "guess")
    with pytest.raises(UnauthenticatedError):
        await access.issue_token("client-unknown", "secret-1")


async def test_an_organisation_sees_itself_and_the_operator_sees_all(access: AccessControl) -> None:
    brand = (await access.register_organisation(operator(), "Brand", OrganisationKind.MEMBER, None)).organisation
    assert (await access.organisation(member(brand.id), brand.id)).name == "Brand"
    assert (await access.organisation(operator(), brand.id)).name == "Brand"
    with pytest.raises(NotFoundError):
        await access.organisation(member("m-other"), brand.id)
    with pytest.raises(NotFoundError):
        await access.organisation(operator(), "org-unknown")


async def test_the_operators_first_client_is_made_once(access: AccessControl) -> None:
    await access.ensure_operator("operator", "operator-secret")
    await access.ensure_operator("operator", "another-secret")
    (operator_org,) = await access.organisations.find(client_id="operator")
    assert operator_org.kind == "operator" and operator_org.client_secret_hash == "hashed:operator-secret"  # pragma: allowlist secret
    issued = await access.issue_token("operator", "operator-secret")
    assert issued.expires_in == 60


async def test_a_caller_reads_its_own_organisation(access: AccessControl) -> None:
    brand = (await access.register_organisation(operator(), "Brand", OrganisationKind.MEMBER, None)).organisation
    assert (await access.organisation_of(member(brand.id))).id == brand.id
    with pytest.raises(NotFoundError):
        await access.organisation_of(member("m-deleted"))
