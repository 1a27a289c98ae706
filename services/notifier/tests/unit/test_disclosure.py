"""Each member's copy of an event names no other member: feed, inbox, webhook and e-mail alike."""

import json
from datetime import UTC, datetime

from notifier.service_layer.channels import ChannelHandlers
from notifier.service_layer.handlers import NotifierHandlers
from shared_audits.contracts import wrap
from shared_audits.contracts.events import AuditMandated, CapItemAccepted, CapProgress, FactoryLinked
from shared_audits.member_groups import LINKED_MEMBER
from shared_audits.testing import InMemoryLinkProjection, InMemoryMemberGroups
from shared_audits.testing import member

from .fakes import InMemoryFactoryEventLog, InMemoryInbox, InMemoryMemberFeeds

NOW = datetime(2026, 5, 1, tzinfo=UTC)
ACCEPTED_BY_A = CapItemAccepted(cap_id="c-1", item_id="i-1", factory_id="f-1", member_id="m-a", decided_by="u-a",
                                comment="Fine", decided_at=NOW, progress=CapProgress(items_closed=1, items_total=1))


def notifier_of(channels: ChannelHandlers | None = None, groups: dict[str, set[str]] | None = None) -> NotifierHandlers:
    return NotifierHandlers(
        links=InMemoryLinkProjection({("m-a", "f-1"), ("m-b", "f-1"), ("m-c", "f-1")}), feeds=InMemoryMemberFeeds(),
        inbox=InMemoryInbox(), factory_log=InMemoryFactoryEventLog(), channels=channels,
        member_groups=InMemoryMemberGroups(groups),
    )


def deciders(notifier: NotifierHandlers, member_id: str) -> tuple[set, set]:
    """Who decided, as the member's feed and inbox tell it."""
    feed = {(e.payload["member_id"], e.payload["decided_by"]) for e in notifier.feeds.topics[member_id]}
    inbox = {(e.payload["member_id"], e.payload["decided_by"])
             for e in notifier.inbox.entries.values() if e.member_id == member_id}
    return feed, inbox


async def test_member_b_hears_that_a_linked_member_accepted_and_member_a_that_it_did() -> None:
    notifier = notifier_of()
    await notifier.fan_out(ACCEPTED_BY_A, wrap(ACCEPTED_BY_A, producer="cap-service"))
    assert deciders(notifier, "m-a") == ({("m-a", "u-a")}, {("m-a", "u-a")})
    assert deciders(notifier, "m-b") == ({(LINKED_MEMBER, LINKED_MEMBER)}, {(LINKED_MEMBER, LINKED_MEMBER)})
    [told_b] = notifier.feeds.topics["m-b"]
    assert told_b.payload["comment"] == "Fine" and told_b.payload["progress"] == {"items_closed": 1, "items_total": 1}


async def test_members_of_a_group_hear_each_others_names_and_the_others_do_not() -> None:
    notifier = notifier_of(groups={"g-1": {"m-a", "m-b"}})
    await notifier.fan_out(ACCEPTED_BY_A, wrap(ACCEPTED_BY_A, producer="cap-service"))
    assert deciders(notifier, "m-b")[0] == {("m-a", "u-a")}
    assert deciders(notifier, "m-c")[0] == {(LINKED_MEMBER, LINKED_MEMBER)}


async def test_who_mandated_and_who_linked_are_hidden_from_the_other_members() -> None:
    notifier = notifier_of()
    mandated = AuditMandated(audit_id="a-1", factory_id="f-1", member_id="m-a", audit_company_id="ac-1",
                             audit_type="initial", scope="social", announcement="unannounced")
    linked = FactoryLinked(member_id="m-c", factory_id="f-1", relationship="supplier", linked_at=NOW)
    await notifier.fan_out_batch([(mandated, wrap(mandated, producer="audit-service"))])
    await notifier.fan_out(linked, wrap(linked, producer="access-control"))
    told_b = {e.type: e.payload["member_id"] for e in notifier.feeds.topics["m-b"]}
    assert told_b == {"AuditMandated": LINKED_MEMBER, "FactoryLinked": LINKED_MEMBER}
    told_c = {e.type: e.payload["member_id"] for e in notifier.feeds.topics["m-c"]}
    assert told_c == {"AuditMandated": LINKED_MEMBER, "FactoryLinked": "m-c"}


async def test_webhooks_and_e_mails_carry_the_masked_payload(channels: ChannelHandlers) -> None:
    await channels.register_webhook(member("m-b"), "http://127.0.0.1:9/hook", "s" * 32)
    await channels.register_recipient(member("m-b"), "now@brand-b.example", "immediate")
    notifier = notifier_of(channels)
    await notifier.fan_out(ACCEPTED_BY_A, wrap(ACCEPTED_BY_A, producer="cap-service"))
    assert await channels.dispatch_due() == 2
    [(_, body, _)] = channels.sender.requests
    assert json.loads(body)["payload"]["member_id"] == LINKED_MEMBER
    [(_, _, text)] = channels.mailer.sent
    assert "m-a" not in text and "u-a" not in text
    assert [d.envelope["payload"]["decided_by"] for d in (await channels.delivery_log(member("m-b"), 10))[0]] == [
        LINKED_MEMBER, LINKED_MEMBER]
