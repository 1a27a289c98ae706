"""Who decided a CAP item, as each reader sees it."""

from datetime import UTC, datetime

from cap_service.domain.disclosure import decisions_seen_by
from cap_service.domain.model import Decision
from shared_audits.contracts.enums import CapDecision
from shared_audits.member_groups import LINKED_MEMBER, MemberGroups, MemberViewer
from shared_audits.testing import factory_account, member, operator

AT = datetime(2026, 5, 1, tzinfo=UTC)
DECISIONS = [
    Decision(decision=CapDecision.REJECT, member_id="m-a", decided_by="u-a", comment="Blurred", decided_at=AT),
    Decision(decision=CapDecision.ACCEPT, member_id="m-b", decided_by="u-b", comment=None, decided_at=AT),
]


def who(decisions: list[Decision]) -> list[tuple[str, str]]:
    return [(decision.member_id, decision.decided_by) for decision in decisions]


def test_member_b_sees_its_own_decision_and_member_as_as_a_linked_members() -> None:
    seen = decisions_seen_by(MemberViewer.of(member("m-b"), MemberGroups()), DECISIONS)
    assert who(seen) == [(LINKED_MEMBER, LINKED_MEMBER), ("m-b", "u-b")]
    assert [d.comment for d in seen] == ["Blurred", None], "what was decided stays; only who is hidden"


def test_the_factory_and_the_operator_see_who_decided() -> None:
    for caller in (factory_account("f-1"), operator()):
        assert who(decisions_seen_by(MemberViewer.of(caller, MemberGroups()), DECISIONS)) == who(DECISIONS)


def test_members_of_one_group_see_each_others_decisions_by_name() -> None:
    groups = MemberGroups((frozenset({"m-a", "m-b"}),))
    assert who(decisions_seen_by(MemberViewer.of(member("m-b"), groups), DECISIONS)) == who(DECISIONS)
    assert who(decisions_seen_by(MemberViewer.of(member("m-c"), groups), DECISIONS)) == [
        (LINKED_MEMBER, LINKED_MEMBER), (LINKED_MEMBER, LINKED_MEMBER)]
