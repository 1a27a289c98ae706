"""Webhooks and e-mail over in-memory fakes: signatures, preferences, retries, disabling, digests."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from notifier.domain.channels import Channel, Delivery, DeliveryStatus, backoff
from notifier.domain.signing import SIGNATURE_HEADER
from notifier.service_layer.channels import ChannelHandlers
from shared_audits.contracts.events import CapClosed, CriticalFindingRaised, WebhookDeliveryFailed
from shared_audits.errors import NotFoundError, PermissionDeniedError
from shared_audits.testing import audit_company, factory_account, member

SECRET = "s" * 32
CLOSED = CapClosed(cap_id="c-1", factory_id="f-1", closed_at=datetime(2026, 5, 1, tzinfo=UTC))
CRITICAL = CriticalFindingRaised(audit_id="a-1", factory_id="f-1", finding_id="n-1", chapter="9",
                                 description="Emergency exit locked")


async def test_a_webhook_request_is_signed_over_timestamp_and_body(channels: ChannelHandlers, clock, fan_out) -> None:
    await channels.register_webhook(member("m-a"), "http://127.0.0.1:9/hook", SECRET)
    await fan_out(channels, CLOSED)
    assert await channels.dispatch_due() == 1
    [(url, body, headers)] = channels.sender.requests
    timestamp, mac = (part.split("=", 1)[1] for part in headers[SIGNATURE_HEADER].split(","))
    assert int(timestamp) == int(clock.now.timestamp())
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected)
    assert json.loads(body)["type"] == "CapClosed"


async def test_failed_webhooks_are_retried_with_backoff_then_disabled_with_a_notice(
    channels: ChannelHandlers, clock, fan_out
) -> None:
    webhook = await channels.register_webhook(member("m-a"), "http://127.0.0.1:9/hook", SECRET)
    channels.sender.failing = True
    await fan_out(channels, CLOSED)
    waits = []
    for _ in range(3):
        assert await channels.dispatch_due() == 0
        [delivery] = (await channels.delivery_log(member("m-a"), 10))[0]
        waits.append(delivery.next_attempt_at - clock.now)
        clock.now = delivery.next_attempt_at
    assert waits[:2] == [timedelta(seconds=1), timedelta(seconds=2)]
    assert delivery.status == "failed" and delivery.attempts == 3 and "refused" in delivery.last_error
    stored = await channels.webhooks.get(webhook.id)
    assert stored.status == "disabled"
    [notice] = channels.webhooks.published
    assert isinstance(notice, WebhookDeliveryFailed) and notice.attempts == 3
    # A disabled webhook gets nothing new; re-enabled, it does.
    await fan_out(channels, CRITICAL)
    assert [d.channel for d in (await channels.delivery_log(member("m-a"), 10))[0]] == ["webhook"]
    await channels.enable_webhook(member("m-a"), webhook.id)
    with pytest.raises(NotFoundError):
        await channels.enable_webhook(member("m-b"), webhook.id)


async def test_email_follows_the_preference_but_critical_alerts_always_go_out(
    channels: ChannelHandlers, fan_out
) -> None:
    await channels.register_recipient(member("m-a"), "Now@brand-a.example", "immediate")
    await channels.register_recipient(member("m-a"), "quiet@brand-a.example", "off")
    await channels.register_recipient(member("m-a"), "daily@brand-a.example", "daily_digest")
    await fan_out(channels, CLOSED)
    await fan_out(channels, CRITICAL)
    await channels.dispatch_due()
    sent = sorted((to, subject) for to, subject, _ in channels.mailer.sent)
    alert = "[Shared audits] CRITICAL ALERT: a critical finding at factory f-1"
    assert sent == [
        ("daily@brand-a.example", alert), ("now@brand-a.example", alert),
        ("now@brand-a.example", "[Shared audits] Cap closed at factory f-1"), ("quiet@brand-a.example", alert),
    ]


async def test_the_daily_digest_goes_once_a_day_after_its_hour(channels: ChannelHandlers, clock, fan_out) -> None:
    await channels.register_recipient(member("m-a"), "daily@brand-a.example", "daily_digest")
    await fan_out(channels, CLOSED)
    clock.now = clock.now.replace(hour=5)
    assert await channels.send_digests() == 0  # before the rule's hour (6 UTC)
    clock.now = clock.now.replace(hour=7)
    assert await channels.send_digests() == 1
    assert await channels.send_digests() == 0
    [(to, subject, body)] = channels.mailer.sent
    assert to == "daily@brand-a.example" and "1 updates" in subject and "CapClosed" in body


async def test_only_members_register_webhooks(channels: ChannelHandlers) -> None:
    with pytest.raises(PermissionDeniedError):
        await channels.register_webhook(factory_account("f-1"), "http://127.0.0.1:9/hook", SECRET)
    with pytest.raises(PermissionDeniedError):
        await channels.register_webhook(audit_company("ac-1"), "http://127.0.0.1:9/hook", SECRET)


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff(n, 2, 10).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 10]


def test_a_failed_delivery_is_retried_after_its_backoff_then_given_up_and_an_invitation_loses_its_token() -> None:
    now = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    delivery = Delivery(delivery_id="email:lin@site.example:e-1", channel=Channel.EMAIL, member_id="org-1",
                        factory_id=None, target="lin@site.example", event_id="e-1", event_type="UserInvited",
                        envelope={"payload": {"acceptance_token": "one-time"}}, status=DeliveryStatus.PENDING,
                        attempts=1, next_attempt_at=now, created_at=now)
    delivery.failed("ConnectionError: refused", now, max_attempts=2, backoff_seconds=1, backoff_cap_seconds=60)
    assert (delivery.status, delivery.next_attempt_at) == (DeliveryStatus.PENDING, now + timedelta(seconds=1))
    assert delivery.envelope["payload"]["acceptance_token"] == "one-time"  # needed for the next attempt

    delivery.attempts = 2
    delivery.failed("ConnectionError: refused", now, max_attempts=2, backoff_seconds=1, backoff_cap_seconds=60)
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.FAILED, "ConnectionError: refused")
    assert delivery.envelope["payload"]["acceptance_token"] == "(sent)"
