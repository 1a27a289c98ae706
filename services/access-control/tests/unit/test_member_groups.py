"""Member groups: the operator publishes members that agreed to see each other's names; members read theirs."""

import pytest

from access_control.domain.errors import MemberGroupRefused
from access_control.service_layer.handlers import AccessControl
from access_control.service_layer.member_groups import MemberGroupHandlers
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.contracts.events import MemberGroupDissolved, MemberGroupPublished
from shared_audits.errors import NotFoundError, PermissionDeniedError
from shared_audits.testing import InMemoryAggregateStore, audit_company, factory_account, member, operator

AGREED = "Letters of 2026-03-01, kept by the operator"


@pytest.fixture
def groups(access: AccessControl, clock) -> MemberGroupHandlers:
    made = iter(range(1, 1000))
    return MemberGroupHandlers(InMemoryAggregateStore(), access.organisations, clock=clock,
                               new_id=lambda: f"g-{next(made)}")


@pytest.fixture
async def brands(access: AccessControl) -> dict[str, str]:
    """Three member organisations and an audit company, by name."""
    ids = {}
    for name, kind in (("Brand A", OrganisationKind.MEMBER), ("Brand B", OrganisationKind.MEMBER),
                       ("Brand C", OrganisationKind.MEMBER), ("Auditor", OrganisationKind.AUDIT_COMPANY)):
        ids[name] = (await access.register_organisation(operator(), name, kind, None)).organisation.id
    return ids


async def test_the_operator_publishes_a_group_and_every_service_hears_its_members(groups, brands) -> None:
    view = await groups.form(operator(), "Pilot", [brands["Brand A"], brands["Brand B"]], AGREED)
    assert view.member_names == {brands["Brand A"]: "Brand A", brands["Brand B"]: "Brand B"}
    [published] = groups.groups.published
    assert isinstance(published, MemberGroupPublished)
    assert (published.group_id, sorted(published.member_ids)) == ("g-1", sorted([brands["Brand A"], brands["Brand B"]]))


async def test_a_member_reads_the_groups_it_is_in_by_name_and_never_another(groups, brands) -> None:
    await groups.form(operator(), "Pilot", [brands["Brand A"], brands["Brand B"]], AGREED)
    [seen_by_a] = await groups.groups_seen_by(member(brands["Brand A"]))
    assert seen_by_a.member_names[brands["Brand B"]] == "Brand B"
    assert await groups.groups_seen_by(member(brands["Brand C"])) == []
    for outsider in (factory_account("f-1"), audit_company(brands["Auditor"])):
        with pytest.raises(PermissionDeniedError):
            await groups.groups_seen_by(outsider)


async def test_only_members_and_at_least_two_of_them_make_a_group(groups, brands) -> None:
    with pytest.raises(MemberGroupRefused) as refused:
        await groups.form(operator(), "Pilot", [brands["Brand A"], brands["Auditor"]], AGREED)
    assert refused.value.extensions["errors"][0]["field"] == "body.member_ids"
    with pytest.raises(MemberGroupRefused):
        await groups.form(operator(), "Pilot", [brands["Brand A"], brands["Brand A"]], AGREED)
    with pytest.raises(PermissionDeniedError):
        await groups.form(member(brands["Brand A"]), "Pilot", [brands["Brand A"], brands["Brand B"]], AGREED)


async def test_a_changed_group_replaces_its_members_and_a_dissolved_one_is_gone(groups, brands) -> None:
    formed = await groups.form(operator(), "Pilot", [brands["Brand A"], brands["Brand B"]], AGREED)
    await groups.change(operator(), formed.group.id, "Pilot", [brands["Brand A"], brands["Brand C"]], AGREED)
    assert await groups.groups_seen_by(member(brands["Brand B"])) == []
    await groups.dissolve(operator(), formed.group.id)
    assert [type(e) for e in groups.groups.published] == [MemberGroupPublished, MemberGroupPublished,
                                                          MemberGroupDissolved]
    assert await groups.groups_seen_by(operator()) == []
    with pytest.raises(NotFoundError):
        await groups.dissolve(operator(), formed.group.id)
