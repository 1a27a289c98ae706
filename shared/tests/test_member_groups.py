"""Whose ids a reader sees: its own, its member groups', or "a linked member"; all of them if not a member."""

from shared_audits.contracts import wrap
from shared_audits.contracts.events import MemberGroupDissolved, MemberGroupPublished
from shared_audits.member_groups import LINKED_MEMBER, MemberGroups, MemberViewer
from shared_audits.testing import InMemoryMemberGroups, audit_company, factory_account, member, operator

AT = "2026-01-01T00:00:00Z"


def test_a_member_sees_its_own_id_and_another_member_as_a_linked_member() -> None:
    viewer = MemberViewer.of(member("m-a"), MemberGroups())
    assert viewer.shown("m-a") == "m-a"
    assert viewer.shown("m-b") == LINKED_MEMBER and not viewer.sees("m-b")


def test_the_operator_factories_and_audit_companies_see_every_member() -> None:
    for caller in (operator(), factory_account("f-1"), audit_company("ac-1")):
        assert MemberViewer.of(caller, MemberGroups()).shown("m-b") == "m-b"


def test_members_of_one_group_see_each_other_and_nobody_else() -> None:
    groups = MemberGroups((frozenset({"m-a", "m-b"}), frozenset({"m-c", "m-d"})))
    a = MemberViewer.of(member("m-a"), groups)
    assert a.shown("m-b") == "m-b"
    assert a.shown("m-c") == LINKED_MEMBER, "a group reveals its own members only"
    assert MemberViewer.of(member("m-e"), groups).shown("m-a") == LINKED_MEMBER


async def test_the_projection_follows_publications_and_dissolutions() -> None:
    projection = InMemoryMemberGroups()
    published = MemberGroupPublished(group_id="g-1", name="Pilot", member_ids=["m-a", "m-b"], published_at=AT)
    await projection.apply_published(published, wrap(published, producer="access-control"))
    assert (await projection.current()).together("m-a", "m-b")
    changed = published.model_copy(update={"member_ids": ["m-a", "m-c"]})
    await projection.apply_published(changed, wrap(changed, producer="access-control"))
    current = await projection.current()
    assert current.together("m-a", "m-c") and not current.together("m-a", "m-b")
    dissolved = MemberGroupDissolved(group_id="g-1", dissolved_at=AT)
    await projection.apply_dissolved(dissolved, wrap(dissolved, producer="access-control"))
    assert (await projection.current()) == MemberGroups()


def test_a_groups_events_are_keyed_by_the_group_so_they_keep_their_order() -> None:
    published = MemberGroupPublished(group_id="g-1", name="Pilot", member_ids=["m-a", "m-b"], published_at=AT)
    assert wrap(published, producer="access-control").key == "g-1"
    assert wrap(MemberGroupDissolved(group_id="g-1", dissolved_at=AT), producer="access-control").key == "g-1"
