"""E-mails written for people: invitations to every kind of organisation, and what a factory is told of its CAP."""

from datetime import UTC, date, datetime, timedelta

from notifier.adapters.emails import EmailTemplates
from notifier.service_layer.channels import ChannelHandlers
from shared_audits.contracts import wrap
from shared_audits.contracts.events import (
    CapItemAccepted,
    CapItemRejected,
    CapOpened,
    OpenedCapItem,
    UserInvited,
)
from shared_audits.contracts.events.cap import CapProgress
from shared_audits.testing import factory_account, member

TOKEN = "one-time-token_Zx9"  # noqa: S105 - a test value  # pragma: allowlist secret
MAY_1 = date(2026, 5, 1)  # the clock's day


def invited(email: str = "Lin@Factory.example", organisation: str = "Shenzhen Garments Ltd") -> UserInvited:
    return UserInvited(user_id="u-1", organisation_id="org-site-f-1", organisation_name=organisation, email=email,
                       roles=["admin"], invited_by="Ana Admin", acceptance_token=TOKEN,
                       expires_at=datetime(2026, 5, 8, 8, 0, tzinfo=UTC))


def cap_opened(*deadlines: date) -> CapOpened:
    items = [OpenedCapItem(item_id=f"i-{n}", finding_id=f"n-{n}", severity="major",
                           description=f"Fire extinguisher {n} missing", recommended_action="Install one",
                           deadline=deadline) for n, deadline in enumerate(deadlines, start=1)]
    return CapOpened(cap_id="c-1", audit_id="a-1", factory_id="f-1", items=items, rule_set_version="2026.1")


def rejected() -> CapItemRejected:
    return CapItemRejected(cap_id="c-1", item_id="i-1", factory_id="f-1", member_id="m-a", decided_by="Bea of Brand A",
                           comment="The photo does not show the extinguisher", decided_at=datetime(2026, 5, 2, tzinfo=UTC))


async def test_an_invited_factory_user_receives_a_readable_invitation_with_the_portal_link_and_nobody_else(
    channels: ChannelHandlers,
) -> None:
    event = invited()
    await channels.invite(event, wrap(event, producer="test"))
    await channels.invite(event, wrap(event, producer="test"))  # another event id: another e-mail, same address
    await channels.dispatch_due()

    (to, subject, body), *_ = channels.mailer.sent
    assert {sent[0] for sent in channels.mailer.sent} == {"lin@factory.example"}
    assert subject == "[Shared audits] Ana Admin invites you to Shenzhen Garments Ltd on Shared audits"
    assert f"https://portal.example/invitation?token={TOKEN}" in body
    assert "2026-05-08 08:00 UTC" in body and "{" not in body


async def test_the_invitation_token_leaves_the_delivery_log_once_the_e_mail_is_sent(channels: ChannelHandlers) -> None:
    event = invited()
    await channels.invite(event, wrap(event, producer="test"))
    await channels.dispatch_due()
    [delivery] = channels.deliveries.items.values()
    assert delivery.status == "delivered" and delivery.factory_id is None
    assert TOKEN not in str(delivery.model_dump())


async def test_an_audit_company_user_is_invited_the_same_way(channels: ChannelHandlers) -> None:
    event = invited("auditor@audit-co.example", "Audit Co")
    await channels.invite(event, wrap(event, producer="test"))
    await channels.dispatch_due()
    [(to, subject, _)] = channels.mailer.sent
    assert to == "auditor@audit-co.example" and "Audit Co" in subject


async def test_a_factory_recipient_is_told_of_its_cap_in_its_language(channels: ChannelHandlers, fan_out) -> None:
    await channels.register_recipient(factory_account("f-1"), "quality@factory.example", "immediate")
    await channels.register_recipient(factory_account("f-1"), "qualite@factory.example", "immediate", "fr")
    await channels.register_recipient(factory_account("f-2"), "other@elsewhere.example", "immediate")
    await fan_out(channels, cap_opened(MAY_1 + timedelta(days=30)))
    await channels.dispatch_due()

    mails = {to: (subject, body) for to, subject, body in channels.mailer.sent}
    assert sorted(mails) == ["qualite@factory.example", "quality@factory.example"]
    subject, body = mails["quality@factory.example"]
    assert subject == "[Shared audits] A corrective action plan is open for your factory (1 item)"
    assert "Fire extinguisher 1 missing" in body and "Deadline: 2026-05-31" in body
    subject, body = mails["qualite@factory.example"]
    assert subject.startswith("[Shared audits] Un plan d'actions correctives est ouvert")
    assert "Échéance : 2026-05-31" in body


async def test_a_factory_learns_its_evidence_was_refused_but_not_which_member_refused_it(
    channels: ChannelHandlers, fan_out
) -> None:
    await channels.register_recipient(factory_account("f-1"), "quality@factory.example", "immediate")
    await channels.register_recipient(member("m-a"), "buyer@brand-a.example", "immediate")
    await fan_out(channels, rejected())
    await channels.dispatch_due()

    mails = {to: (subject, body) for to, subject, body in channels.mailer.sent}
    subject, body = mails["quality@factory.example"]
    assert subject == "[Shared audits] Evidence refused: a corrective action needs more work"
    assert "The photo does not show the extinguisher" in body
    assert "m-a" not in body and "Bea" not in body
    factory_copy = next(d for d in channels.deliveries.items.values() if d.target == "quality@factory.example")
    assert "member_id" not in factory_copy.envelope["payload"] and factory_copy.member_id == "org-site-f-1"
    assert "buyer@brand-a.example" in mails  # the member's recipients hear of it as before


async def test_a_factory_is_reminded_once_of_an_open_item_due_in_7_days(
    channels: ChannelHandlers, clock, fan_out
) -> None:
    await channels.register_recipient(factory_account("f-1"), "quality@factory.example", "immediate")
    await fan_out(channels, cap_opened(MAY_1 + timedelta(days=7), MAY_1 + timedelta(days=6), MAY_1 + timedelta(days=8)))
    accepted = CapItemAccepted(cap_id="c-1", item_id="i-2", factory_id="f-1", member_id="m-a", decided_by="Bea",
                               decided_at=clock.now, progress=CapProgress(items_closed=1, items_total=3))
    await fan_out(channels, accepted)
    await channels.dispatch_due()
    channels.mailer.sent.clear()

    assert await channels.remind_deadlines() == 1  # item 2 is accepted, item 3 due in 8 days
    assert await channels.remind_deadlines() == 0
    await channels.dispatch_due()
    [(to, subject, body)] = channels.mailer.sent
    assert to == "quality@factory.example"
    assert subject == "[Shared audits] Deadline in 7 days: Fire extinguisher 1 missing"
    assert "due on 2026-05-08" in body

    clock.now += timedelta(days=1)
    assert await channels.remind_deadlines() == 1  # item 3's turn, the next day


def test_a_language_without_a_catalog_falls_back_to_english_and_an_event_without_a_template_reads_as_text() -> None:
    templates = EmailTemplates("https://portal.example/")
    subject, body = templates.render("FollowUpAuditDue", "de", event={"audit_id": "a-1", "due_on": "2026-09-01",
                                                                      "factory_id": "f-1", "letter": None},
                                     event_type="FollowUpAuditDue", factory_id="f-1",
                                     occurred_at="2026-05-01T08:00:00+00:00", critical=False)
    assert subject == "[Shared audits] Follow up audit due at factory f-1"
    assert "- audit id: a-1" in body and "- due on: 2026-09-01" in body and "letter" not in body
    assert "https://portal.example/" in body and "{" not in body
