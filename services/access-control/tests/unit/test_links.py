"""Links need the factory's consent: a member asks, the factory (or the operator for it) answers."""

from datetime import UTC, datetime

import pytest

from access_control.domain.errors import ReasonRequiredError
from access_control.domain.links import LinkStatus, MemberFactoryLink
from access_control.service_layer.handlers import AccessControl
from access_control.service_layer.links import MemberFactoryLinks
from shared_audits.auth import Principal
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.contracts.events import (
    FactoryLinked,
    FactoryUnlinked,
    LinkRequestAccepted,
    LinkRequestDeclined,
    LinkRequested,
    LinkRequestWithdrawn,
)
from shared_audits.errors import ConflictError, NotFoundError, PermissionDeniedError
from shared_audits.testing import audit_company, factory_account, member, operator


def factory_user(factory_id: str, roles: frozenset[str] = frozenset({"admin"})) -> Principal:
    return Principal(f"user-{factory_id}", f"org-site-{factory_id}", OrganisationKind.FACTORY, roles, factory_id)


def published(links: MemberFactoryLinks) -> list[type]:
    return [type(event) for event in links.links.published]


@pytest.fixture
async def brand(access: AccessControl) -> Principal:
    registered = await access.register_organisation(operator(), "Brand A", OrganisationKind.MEMBER, None)
    return member(registered.organisation.id)


async def test_a_request_opens_nothing_until_the_factory_accepts(links: MemberFactoryLinks, brand: Principal) -> None:
    request = await links.request_link(brand, "f-1", "supplier")
    assert (request.status, request.active, request.request_id) == ("requested", False, "r-1")
    assert published(links) == [LinkRequested]
    assert [link.status for link in await links.links_of(brand)] == ["requested"]

    (pending,) = (await links.link_requests(factory_account("f-1")))[0]
    assert (pending.member_name, pending.link.request_id) == ("Brand A", "r-1")

    accepted = await links.accept(factory_account("f-1"), "r-1", None, "Welcome.")
    assert (accepted.link.status, accepted.link.active) == ("active", True)
    assert published(links) == [LinkRequested, LinkRequestAccepted, FactoryLinked]
    assert links.links.published[1] == LinkRequestAccepted(
        request_id="r-1", member_id=brand.organisation_id, factory_id="f-1", relationship="supplier",
        accepted_at=accepted.link.history[-1].at, accepted_by="factory", message="Welcome.")
    assert (await links.link_requests(factory_account("f-1")))[0] == []
    assert [(link.factory_id, link.status) for link in await links.links_of(brand)] == [("f-1", "active")]


async def test_asking_again_while_pending_is_the_same_request(links: MemberFactoryLinks, brand: Principal) -> None:
    first = await links.request_link(brand, "f-1", "supplier")
    again = await links.request_link(brand, "f-1", "supplier")
    assert again.request_id == first.request_id and published(links) == [LinkRequested]
    with pytest.raises(ConflictError):  # another relationship: withdraw first
        await links.request_link(brand, "f-1", "in_referencing")


async def test_a_declined_request_leaves_nothing_and_the_member_may_ask_again(
    links: MemberFactoryLinks, brand: Principal
) -> None:
    await links.request_link(brand, "f-1", "supplier")
    declined = await links.decline(factory_account("f-1"), "r-1", None, "We do not supply you.")
    assert (declined.link.status, declined.link.active) == ("declined", False)
    assert published(links) == [LinkRequested, LinkRequestDeclined]
    assert links.links.published[-1].message == "We do not supply you."
    assert await links.links_of(brand) == []
    with pytest.raises(ConflictError):  # answered once
        await links.accept(factory_account("f-1"), "r-1", None, None)

    again = await links.request_link(brand, "f-1", "supplier")
    assert (again.status, again.request_id) == ("requested", "r-2")


async def test_the_member_withdraws_its_request(links: MemberFactoryLinks, brand: Principal) -> None:
    await links.request_link(brand, "f-1", "supplier")
    withdrawn = await links.withdraw_or_end(brand, "f-1")
    assert withdrawn.status == "withdrawn" and published(links) == [LinkRequested, LinkRequestWithdrawn]
    assert (await links.link_requests(factory_account("f-1")))[0] == []
    with pytest.raises(NotFoundError):
        await links.withdraw_or_end(brand, "f-1")


async def test_either_side_ends_an_active_link(links: MemberFactoryLinks, brand: Principal) -> None:
    await links.request_link(brand, "f-1", "supplier")
    await links.accept(factory_account("f-1"), "r-1", None, None)
    (linked,) = (await links.factory_links(factory_user("f-1")))[0]
    assert (linked.member_name, linked.link.relationship) == ("Brand A", "supplier")

    ended = await links.end_by_factory(factory_user("f-1"), brand.organisation_id)
    assert ended.status == "ended" and published(links)[-1] is FactoryUnlinked
    assert ended.history[-1].by == "factory"
    assert await links.links_of(brand) == [] and (await links.factory_links(factory_user("f-1")))[0] == []

    await links.request_link(brand, "f-1", "supplier")
    await links.accept(factory_account("f-1"), "r-2", None, None)
    by_member = await links.withdraw_or_end(brand, "f-1")
    assert (by_member.status, by_member.history[-1].by) == ("ended", "member")


async def test_the_operator_accepts_for_the_factory_only_with_a_reason(
    links: MemberFactoryLinks, brand: Principal
) -> None:
    await links.request_link(brand, "f-1", "supplier")
    assert [view.link.request_id for view in (await links.link_requests(operator()))[0]] == ["r-1"]
    with pytest.raises(ReasonRequiredError):
        await links.accept(operator(), "r-1", "  ", None)
    accepted = await links.accept(operator(), "r-1", "The factory asked us by phone (ticket 4411).", None)
    assert accepted.link.history[-1].by == "operator"
    event = links.links.published[-2]
    assert isinstance(event, LinkRequestAccepted)
    assert (event.accepted_by, event.reason) == ("operator", "The factory asked us by phone (ticket 4411).")


async def test_the_operator_declines_for_the_factory_only_with_a_reason(
    links: MemberFactoryLinks, brand: Principal
) -> None:
    await links.request_link(brand, "f-1", "supplier")
    with pytest.raises(ReasonRequiredError):
        await links.decline(operator(), "r-1", None, None)
    await links.decline(operator(), "r-1", "The site closed.", None)
    assert (links.links.published[-1].declined_by, links.links.published[-1].reason) == ("operator", "The site closed.")


async def test_only_the_factorys_admins_answer_and_only_for_their_own_site(
    access: AccessControl, links: MemberFactoryLinks, brand: Principal
) -> None:
    access.known_factories.factory_ids.add("f-2")
    await links.request_link(brand, "f-1", "supplier")
    with pytest.raises(NotFoundError):  # another site's request does not exist for f-2
        await links.accept(factory_account("f-2"), "r-1", None, None)
    assert (await links.link_requests(factory_account("f-2")))[0] == []
    with pytest.raises(PermissionDeniedError):
        await links.accept(factory_user("f-1", frozenset({"user"})), "r-1", None, None)
    for caller in (brand, member("m-other"), audit_company("ac-1")):
        with pytest.raises(PermissionDeniedError):
            await links.accept(caller, "r-1", None, None)
        with pytest.raises(PermissionDeniedError):
            await links.link_requests(caller)
    with pytest.raises(NotFoundError):
        await links.end_by_factory(factory_user("f-1"), brand.organisation_id)  # pending, not active
    assert published(links) == [LinkRequested]


async def test_another_member_sees_nothing_of_a_request(links: MemberFactoryLinks, brand: Principal) -> None:
    await links.request_link(brand, "f-1", "supplier")
    assert await links.links_of(member("m-other")) == []
    with pytest.raises(NotFoundError):
        await links.link_history(member("m-other"), "f-1")
    with pytest.raises(NotFoundError):
        await links.withdraw_or_end(member("m-other"), "f-1")


async def test_only_members_ask_and_only_for_known_sites(links: MemberFactoryLinks) -> None:
    with pytest.raises(PermissionDeniedError):
        await links.request_link(factory_account("f-1"), "f-1", "supplier")
    with pytest.raises(PermissionDeniedError):
        await links.request_link(audit_company("ac-1"), "f-1", "supplier")
    with pytest.raises(NotFoundError):
        await links.request_link(member("m-1"), "f-unknown", "supplier")


async def test_an_active_link_changes_its_relationship_at_once(links: MemberFactoryLinks, brand: Principal) -> None:
    await links.request_link(brand, "f-1", "supplier")
    await links.accept(factory_account("f-1"), "r-1", None, None)
    with pytest.raises(ConflictError):
        await links.request_link(brand, "f-1", "supplier")
    changed = await links.request_link(brand, "f-1", "in_referencing")
    assert (changed.status, changed.relationship) == ("active", "in_referencing")
    assert published(links)[-1] is FactoryLinked


async def test_links_made_before_consent_stay_active_without_any_event(
    links: MemberFactoryLinks, brand: Principal
) -> None:
    # A document as stored before links needed consent: no status, no request, linked/unlinked history.
    at = datetime(2025, 6, 1, tzinfo=UTC)
    for factory_id, active in (("f-1", True), ("f-old", False)):
        stored = {"id": MemberFactoryLink.id_for(brand.organisation_id, factory_id), "version": 2,
                  "member_id": brand.organisation_id, "factory_id": factory_id, "relationship": "supplier",
                  "active": active, "history": [{"linked": True, "relationship": "supplier", "at": at}]}
        links.links._items[stored["id"]] = MemberFactoryLink.model_validate(stored)

    assert [(link.factory_id, link.status) for link in await links.links_of(brand)] == [("f-1", "active")]
    old = await links.link_history(brand, "f-old")
    assert (old.status, old.request_id, old.requested_at) == (LinkStatus.ENDED, None, None)
    assert published(links) == []
    ended = await links.end_by_factory(factory_user("f-1"), brand.organisation_id)
    assert ended.status == "ended" and published(links) == [FactoryUnlinked]
