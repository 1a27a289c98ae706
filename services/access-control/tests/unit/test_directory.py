"""The directory of organisations: the operator sees all of them; a member only audit companies it can mandate."""

from datetime import timedelta

import pytest

from access_control.service_layer.handlers import AccessControl
from shared_audits.auth import Principal
from shared_audits.contracts.enums import AccreditationStatus, OrganisationKind
from shared_audits.errors import PermissionDeniedError
from shared_audits.testing import audit_company, factory_account, member, operator


async def register(access: AccessControl, name: str, kind: OrganisationKind, factory_id: str | None = None) -> str:
    return (await access.register_organisation(operator(), name, kind, factory_id)).organisation.id


async def every_page(access: AccessControl, caller: Principal, limit: int, kind=None) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page, cursor = await access.directory(caller, kind, limit=limit, after=cursor)
        pages.append([organisation.name for organisation in page])
        if cursor is None:
            return pages


@pytest.fixture
async def world(access: AccessControl) -> dict[str, str]:
    ids = {
        "Brand A": await register(access, "Brand A", OrganisationKind.MEMBER),
        "Brand B": await register(access, "Brand B", OrganisationKind.MEMBER),
        "Site": await register(access, "Site", OrganisationKind.FACTORY, "f-1"),
    }
    for name in ("Audits 1", "Audits 2", "Audits 3", "Audits 4"):
        ids[name] = await register(access, name, OrganisationKind.AUDIT_COMPANY)
    await access.decide_accreditation(operator(), ids["Audits 2"], AccreditationStatus.SUSPENDED, "obstruction")
    return ids


async def test_the_operator_pages_through_every_organisation_and_can_keep_one_kind(
    access: AccessControl, world: dict[str, str]
) -> None:
    pages = await every_page(access, operator(), limit=3)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert sorted(sum(pages, [])) == sorted(world)
    members = await every_page(access, operator(), limit=5, kind=OrganisationKind.MEMBER)
    assert sorted(sum(members, [])) == ["Brand A", "Brand B"]


async def test_a_member_sees_only_the_audit_companies_it_can_mandate(
    access: AccessControl, world: dict[str, str]
) -> None:
    pages = await every_page(access, member(world["Brand A"]), limit=1)
    # Never the suspended company, another member or a factory; the last page has no next.
    assert sorted(sum(pages, [])) == ["Audits 1", "Audits 3", "Audits 4"]
    assert all(len(page) == 1 for page in pages)
    page, _ = await access.directory(member(world["Brand A"]), None, limit=10)
    assert {organisation.accreditation_status for organisation in page} == {AccreditationStatus.TRIAL}


async def test_a_company_whose_trial_ended_without_accreditation_is_no_longer_offered(
    access: AccessControl, world: dict[str, str], clock
) -> None:
    access.clock_override_allowed = True
    await access.move_trial_start(operator(), world["Audits 3"], clock() - timedelta(days=366))
    page, _ = await access.directory(member(world["Brand A"]), None, limit=10)
    assert sorted(organisation.name for organisation in page) == ["Audits 1", "Audits 4"]


async def test_a_company_back_on_trial_is_offered_again(access: AccessControl, world: dict[str, str]) -> None:
    await access.decide_accreditation(operator(), world["Audits 2"], AccreditationStatus.TRIAL, "resolved")
    page, cursor = await access.directory(member(world["Brand B"]), OrganisationKind.AUDIT_COMPANY, limit=10)
    assert len(page) == 4 and cursor is None


async def test_members_ask_for_audit_companies_only_and_others_have_no_directory(
    access: AccessControl, world: dict[str, str]
) -> None:
    with pytest.raises(PermissionDeniedError, match="audit companies only"):
        await access.directory(member(world["Brand A"]), OrganisationKind.MEMBER, limit=10)
    for caller in (factory_account("f-1"), audit_company(world["Audits 1"])):
        with pytest.raises(PermissionDeniedError):
            await access.directory(caller, None, limit=10)


async def test_a_members_machine_client_needs_the_scope_to_mandate_audits(
    access: AccessControl, world: dict[str, str]
) -> None:
    def client(*scopes: str) -> Principal:
        return Principal("client-erp", world["Brand A"], OrganisationKind.MEMBER, frozenset(), scopes=frozenset(scopes))

    with pytest.raises(PermissionDeniedError, match="audits:write"):
        await access.directory(client("links:read"), None, limit=10)
    page, _ = await access.directory(client("audits:write"), None, limit=10)
    assert len(page) == 3
