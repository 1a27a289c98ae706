"""Machine clients of a member: scoped, revocable, tokens through client credentials."""

import pytest

from access_control.service_layer.clients import MachineClients
from access_control.service_layer.handlers import AccessControl
from access_control.service_layer.links import MemberFactoryLinks
from shared_audits.auth import Principal, principal_from_claims
from shared_audits.contracts.enums import ClientScope, OrganisationKind
from shared_audits.errors import NotFoundError, PermissionDeniedError, UnauthenticatedError
from shared_audits.testing import member, operator


@pytest.fixture
async def brand_id(access: AccessControl) -> str:
    return (await access.register_organisation(operator(), "Brand", OrganisationKind.MEMBER, None)).organisation.id


async def test_a_members_system_gets_a_token_with_its_scopes(
    access: AccessControl, machine_clients: MachineClients, brand_id: str, decode
) -> None:
    created = await machine_clients.create(member(brand_id), "ERP", [ClientScope.LINKS_READ, ClientScope.FEED_READ])
    issued = await access.issue_token(created.client.id, created.client_secret)
    principal = principal_from_claims(await decode(issued.access_token))
    assert principal.organisation_id == brand_id and principal.is_member
    assert principal.scopes == {"links:read", "feed:read"} and principal.roles == frozenset()


async def test_a_scoped_client_acts_only_within_its_scopes(
    access: AccessControl, links: MemberFactoryLinks, machine_clients: MachineClients, brand_id: str, decode
) -> None:
    created = await machine_clients.create(member(brand_id), "ERP", [ClientScope.LINKS_READ])
    erp = principal_from_claims(await decode((await access.issue_token(created.client.id, created.client_secret))
                                             .access_token))
    assert await links.links_of(erp) == []
    with pytest.raises(PermissionDeniedError):
        await links.request_link(erp, "f-1", "supplier")
    with pytest.raises(PermissionDeniedError):  # a machine client administers nothing
        await machine_clients.create(erp, "another", [ClientScope.LINKS_READ])


async def test_a_revoked_client_gets_no_new_token(
    access: AccessControl, machine_clients: MachineClients, brand_id: str
) -> None:
    created = await machine_clients.create(member(brand_id), "ERP", [ClientScope.CAPS_READ])
    await machine_clients.revoke(member(brand_id), created.client.id)
    with pytest.raises(UnauthenticatedError):
        await access.issue_token(created.client.id, created.client_secret)
    assert (await machine_clients.clients_of(member(brand_id)))[0][0].revoked_at is not None


async def test_another_organisation_cannot_see_or_revoke_a_client(
    machine_clients: MachineClients, brand_id: str
) -> None:
    created = await machine_clients.create(member(brand_id), "ERP", [ClientScope.CAPS_READ])
    with pytest.raises(NotFoundError):
        await machine_clients.revoke(member("m-other"), created.client.id)
    with pytest.raises(NotFoundError):
        await machine_clients.revoke(member(brand_id), "client-unknown")
    assert await machine_clients.clients_of(member("m-other")) == ([], None)


async def test_a_plain_user_creates_no_client(machine_clients: MachineClients, brand_id: str) -> None:
    plain_user = Principal("user-1", brand_id, OrganisationKind.MEMBER, frozenset({"user"}))
    with pytest.raises(PermissionDeniedError):
        await machine_clients.create(plain_user, "ERP", [ClientScope.CAPS_READ])
