"""Requests for more time: members hear of one, the factory of the answer; an extended deadline is reminded anew."""

from datetime import UTC, date, datetime, timedelta

from notifier.adapters.rules import load_notification_rules
from notifier.service_layer.channels import ChannelHandlers
from shared_audits.contracts.events import (
    CapItemExtensionGranted,
    CapItemExtensionRefused,
    CapItemExtensionRequested,
    CapOpened,
    OpenedCapItem,
)
from shared_audits.testing import factory_account, member

MAY_1 = date(2026, 5, 1)  # the clock's day


def test_since_2026_5_members_hear_of_requests_for_more_time_and_the_factory_of_the_answers() -> None:
    rules, earlier = load_notification_rules(), load_notification_rules("notifications-2026.4.json")
    assert rules.version == "2026.5"
    assert set(rules.emailed_event_types) - set(earlier.emailed_event_types) == {"CapItemExtensionRequested"}
    assert set(rules.factory_emailed_event_types) - set(earlier.factory_emailed_event_types) == {
        "CapItemExtensionGranted", "CapItemExtensionRefused"}


async def test_an_extended_deadline_is_reminded_7_days_before_the_new_one(
    channels: ChannelHandlers, clock, fan_out
) -> None:
    await channels.register_recipient(factory_account("f-1"), "quality@factory.example", "immediate")
    item = OpenedCapItem(item_id="i-1", finding_id="n-1", severity="major", description="Exit locked",
                         recommended_action="Unlock it", deadline=MAY_1 + timedelta(days=7))
    await fan_out(channels, CapOpened(cap_id="c-1", audit_id="a-1", factory_id="f-1", items=[item],
                                      rule_set_version="2026.1"))
    await fan_out(channels, CapItemExtensionGranted(
        cap_id="c-1", item_id="i-1", factory_id="f-1", extension_id="x-1", member_id="m-a", decided_by="Bea",
        previous_deadline=item.deadline, deadline=MAY_1 + timedelta(days=30), decided_at=datetime(2026, 5, 1, tzinfo=UTC)))

    assert await channels.remind_deadlines() == 0
    clock.now += timedelta(days=23)
    assert await channels.remind_deadlines() == 1


async def test_members_hear_of_a_request_and_the_factory_of_the_refusal_but_not_who_refused(
    channels: ChannelHandlers, fan_out
) -> None:
    await channels.register_recipient(factory_account("f-1"), "quality@factory.example", "immediate")
    await channels.register_recipient(member("m-a"), "buyer@brand-a.example", "immediate")
    await fan_out(channels, CapItemExtensionRequested(
        cap_id="c-1", item_id="i-1", factory_id="f-1", extension_id="x-1", current_deadline=MAY_1,
        requested_deadline=MAY_1 + timedelta(days=30), reason="Panic bars on order", requested_by="u-f",
        requested_at=datetime(2026, 4, 20, tzinfo=UTC)))
    await fan_out(channels, CapItemExtensionRefused(
        cap_id="c-1", item_id="i-1", factory_id="f-1", extension_id="x-1", member_id="m-a", decided_by="Bea",
        reason="Exits come first", deadline=MAY_1, decided_at=datetime(2026, 4, 21, tzinfo=UTC)))
    await channels.dispatch_due()

    mails = [(to, subject, body) for to, subject, body in channels.mailer.sent]
    assert [(to, "Panic bars on order" in body) for to, _, body in mails if to == "buyer@brand-a.example"][0] == (
        "buyer@brand-a.example", True)
    [(subject, body)] = [(subject, body) for to, subject, body in mails if to == "quality@factory.example"]
    assert subject == "[Shared audits] More time refused: the deadline of a corrective action stays"
    assert "Exits come first" in body and "2026-05-01" in body
    assert "m-a" not in body and "Bea" not in body
