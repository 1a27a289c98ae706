"""A merge of two sites moves every member's link and the merged site's factory account."""

import pytest

from access_control.service_layer.handlers import AccessControl
from access_control.service_layer.links import MemberFactoryLinks
from access_control.service_layer.merges import SiteMerges
from access_control.service_layer.users import UserAccounts
from shared_audits.auth import principal_from_claims
from shared_audits.contracts import wrap
from shared_audits.contracts.enums import OrganisationKind, UserRole
from shared_audits.contracts.events import FactoriesMerged, FactoryLinked, FactoryUnlinked
from shared_audits.errors import NotFoundError
from shared_audits.testing import InMemoryAggregateStore, factory_account, member, operator

MERGE = FactoriesMerged(factory_id="f-keep", merged_factory_id="f-gone")


@pytest.fixture
def merges(access: AccessControl, links: MemberFactoryLinks, users: UserAccounts, clock) -> SiteMerges:
    access.known_factories.factory_ids |= {"f-keep", "f-gone"}
    return SiteMerges(links=links.links, organisations=access.organisations, users=users.users,
                      signatures=InMemoryAggregateStore(), clock=clock)


async def linked(links: MemberFactoryLinks, member_id: str, factory_id: str, relationship: str) -> None:
    """A member's request, accepted by the factory."""
    request = await links.request_link(member(member_id), factory_id, relationship)
    await links.accept(factory_account(factory_id), request.request_id, None, None)


async def merge(access: AccessControl, merges: SiteMerges) -> None:
    envelope = wrap(MERGE, producer="factory-registry")
    await access.known_factories.apply_merged(MERGE, envelope)
    await merges.apply_merged(MERGE, envelope)


async def test_members_of_the_merged_site_are_linked_to_the_survivor_with_the_reason_kept(
    access: AccessControl, links: MemberFactoryLinks, merges: SiteMerges
) -> None:
    await linked(links, "m-only-gone", "f-gone", "supplier")
    await linked(links, "m-both", "f-gone", "in_referencing")
    await linked(links, "m-both", "f-keep", "supplier")
    await linked(links, "m-only-keep", "f-keep", "supplier")
    links.links.published.clear()

    await merge(access, merges)

    assert sorted((e.member_id, e.factory_id) for e in links.links.published if isinstance(e, FactoryLinked)) == [
        ("m-only-gone", "f-keep")
    ]
    assert sorted((e.member_id, e.factory_id) for e in links.links.published if isinstance(e, FactoryUnlinked)) == [
        ("m-both", "f-gone"), ("m-only-gone", "f-gone")
    ]
    for brand in ("m-only-gone", "m-both", "m-only-keep"):
        assert [link.factory_id for link in await links.links_of(member(brand))] == ["f-keep"]
    moved = await links.link_history(member("m-only-gone"), "f-keep")
    assert (moved.relationship, moved.history[-1].reason) == ("supplier", "merged")
    ended = await links.link_history(member("m-only-gone"), "f-gone")
    assert [(change.step, change.linked, change.reason) for change in ended.history] == [
        ("requested", False, None), ("accepted", True, None), ("ended", False, "merged")
    ]


async def test_replaying_the_merge_changes_nothing(access: AccessControl, links: MemberFactoryLinks, merges: SiteMerges) -> None:
    await linked(links, "m-1", "f-gone", "supplier")
    await merge(access, merges)
    published, history = list(links.links.published), await links.link_history(member("m-1"), "f-keep")

    await merge(access, merges)

    assert links.links.published == published
    assert (await links.link_history(member("m-1"), "f-keep")).history == history.history


async def test_a_member_unlinked_from_the_survivor_before_is_linked_again(
    access: AccessControl, links: MemberFactoryLinks, merges: SiteMerges
) -> None:
    await linked(links, "m-1", "f-keep", "supplier")
    await links.withdraw_or_end(member("m-1"), "f-keep")
    await linked(links, "m-1", "f-gone", "in_referencing")

    await merge(access, merges)

    link = await links.link_history(member("m-1"), "f-keep")
    assert (link.active, link.relationship) == (True, "in_referencing")
    assert [(change.step, change.linked, change.reason) for change in link.history] == [
        ("requested", False, None), ("accepted", True, None), ("ended", False, None), ("moved", True, "merged")
    ]


async def test_the_merged_id_takes_no_new_links(access: AccessControl, links: MemberFactoryLinks, merges: SiteMerges) -> None:
    await merge(access, merges)
    with pytest.raises(NotFoundError):
        await linked(links, "m-1", "f-gone", "supplier")


async def test_the_merged_sites_factory_account_and_users_now_stand_for_the_survivor(
    access: AccessControl, links: MemberFactoryLinks, users: UserAccounts, merges: SiteMerges, decode
) -> None:
    site = await access.register_organisation(operator(), "Site", OrganisationKind.FACTORY, "f-gone")
    invited = await users.invite(operator(), site.organisation.id, "manager@site.example", [UserRole.ADMIN])

    await merge(access, merges)

    issued = await access.issue_token(site.organisation.client_id, site.client_secret)
    assert principal_from_claims(await decode(issued.access_token)).factory_id == "f-keep"
    assert (await users.users.get(invited.id)).factory_id == "f-keep"


async def test_a_pending_request_to_the_merged_site_waits_for_the_survivors_answer(
    access: AccessControl, links: MemberFactoryLinks, merges: SiteMerges
) -> None:
    await links.request_link(member("m-1"), "f-gone", "supplier")
    await linked(links, "m-2", "f-keep", "supplier")
    await links.request_link(member("m-2"), "f-gone", "supplier")  # already linked to the survivor
    links.links.published.clear()

    await merge(access, merges)
    await merge(access, merges)  # replayed: nothing more

    (waiting,) = (await links.link_requests(factory_account("f-keep")))[0]
    assert (waiting.link.member_id, waiting.link.status) == ("m-1", "requested")
    assert [type(e).__name__ for e in links.links.published] == [
        "LinkRequested", "LinkRequestWithdrawn", "LinkRequestWithdrawn"]
    gone = await links.link_history(member("m-1"), "f-gone")
    assert (gone.status, gone.history[-1].reason) == ("withdrawn", "merged")
    assert [link.status for link in await links.links_of(member("m-2"))] == ["active"]
