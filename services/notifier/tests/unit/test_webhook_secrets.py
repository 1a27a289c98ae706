"""Webhook secrets: sealed at rest, rotated with a grace period in which both sign, and gone with a deleted webhook."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from pydantic import ValidationError

from notifier.adapters.secret_sealing import SecretDecryptionError, WebhookSecretSealing
from notifier.config import Settings
from notifier.domain.signing import SIGNATURE_HEADER
from notifier.service_layer.channels import ChannelHandlers
from shared_audits.contracts.events import CapClosed
from shared_audits.errors import NotFoundError
from shared_audits_client.webhooks import WebhookVerificationError, verify_signature
from shared_audits.testing import member

SECRET = "the-member-s-first-secret-of-32-characters"  # pragma: allowlist secret
KEY = "a-unit-test-webhook-secret-encryption-key"
OTHER_KEY = "another-webhook-secret-encryption-key-32+"


def closed(clock) -> CapClosed:  # noqa: ANN001
    return CapClosed(cap_id=f"c-{clock.now.timestamp()}", factory_id="f-1", closed_at=clock.now)


async def deliver_one(channels: ChannelHandlers, clock, fan_out) -> tuple[bytes, str]:  # noqa: ANN001
    """Fan an event out, send it, and return the body and signature header the receiver got."""
    await fan_out(channels, closed(clock))
    assert await channels.dispatch_due() == 1
    _, body, headers = channels.sender.requests[-1]
    return body, headers[SIGNATURE_HEADER]


def verifies(secret: str, header: str, body: bytes, clock) -> bool:  # noqa: ANN001
    try:
        verify_signature(secret, header, body, now=clock.now.timestamp())
    except WebhookVerificationError:
        return False
    return True


# Encryption at rest


def test_a_sealed_secret_opens_only_with_its_key_and_its_webhook() -> None:
    sealed = WebhookSecretSealing(KEY).seal("w-1", SECRET)
    assert SECRET not in json.dumps(sealed) and sealed["alg"] == "A256GCM"
    assert WebhookSecretSealing(KEY).open("w-1", sealed) == SECRET
    assert WebhookSecretSealing(KEY).seal("w-1", SECRET) != sealed  # a fresh nonce each time
    with pytest.raises(SecretDecryptionError):
        WebhookSecretSealing(OTHER_KEY).open("w-1", sealed)
    with pytest.raises(SecretDecryptionError):
        WebhookSecretSealing(KEY).open("w-2", sealed)  # copied onto another webhook


def test_after_a_key_change_old_sealings_open_and_are_not_current() -> None:
    sealed = WebhookSecretSealing(OTHER_KEY).seal("w-1", SECRET)
    changed = WebhookSecretSealing(KEY, [OTHER_KEY])
    assert changed.open("w-1", sealed) == SECRET and not changed.is_current(sealed)


async def test_the_stored_webhook_holds_no_secret_in_clear(
    channels: ChannelHandlers, clock, fan_out  # noqa: ANN001
) -> None:
    webhook = await channels.register_webhook(member("m-a"), "http://127.0.0.1:9/hook", SECRET)
    await channels.rotate_webhook_secret(member("m-a"), webhook.id)

    stored = await channels.webhooks.get(webhook.id)
    document = json.dumps(stored.state())
    assert SECRET not in document and "secret\": \"" not in document
    assert len(stored.signing_secrets) == 2 and all(s.sealed["alg"] == "A256GCM" for s in stored.signing_secrets)
    # ...and deliveries are still signed with it: the dispatcher opens it when it signs.
    body, header = await deliver_one(channels, clock, fan_out)
    assert verifies(SECRET, header, body, clock)


# Rotation


async def test_during_the_grace_period_both_secrets_sign_and_after_it_only_the_new_one(
    channels: ChannelHandlers, clock, fan_out  # noqa: ANN001
) -> None:
    webhook = await channels.register_webhook(member("m-a"), "http://127.0.0.1:9/hook", SECRET)
    body, header = await deliver_one(channels, clock, fan_out)
    assert header.count("v1=") == 1 and verifies(SECRET, header, body, clock)

    rotated, new_secret = await channels.rotate_webhook_secret(member("m-a"), webhook.id)
    assert new_secret != SECRET and len(new_secret) >= 32
    assert rotated.previous_secret_valid_until(clock.now) == clock.now + timedelta(hours=24)

    clock.now += timedelta(hours=23, minutes=59)
    body, header = await deliver_one(channels, clock, fan_out)
    assert header.count("v1=") == 2
    assert verifies(new_secret, header, body, clock) and verifies(SECRET, header, body, clock)

    clock.now += timedelta(minutes=1)
    body, header = await deliver_one(channels, clock, fan_out)
    assert header.count("v1=") == 1
    assert verifies(new_secret, header, body, clock) and not verifies(SECRET, header, body, clock)
    # The retired secret is forgotten, not only unused.
    assert len((await channels.webhooks.get(webhook.id)).signing_secrets) == 1


async def test_a_second_rotation_ends_the_first_one_s_grace(
    channels: ChannelHandlers, clock, fan_out  # noqa: ANN001
) -> None:
    webhook = await channels.register_webhook(member("m-a"), "http://127.0.0.1:9/hook", SECRET)
    _, second = await channels.rotate_webhook_secret(member("m-a"), webhook.id)
    clock.now += timedelta(hours=1)
    _, third = await channels.rotate_webhook_secret(member("m-a"), webhook.id)

    body, header = await deliver_one(channels, clock, fan_out)
    assert [verifies(s, header, body, clock) for s in (SECRET, second, third)] == [False, True, True]


async def test_only_the_owner_rotates_and_the_secret_is_never_listed(channels: ChannelHandlers) -> None:
    webhook = await channels.register_webhook(member("m-a"), "http://127.0.0.1:9/hook", SECRET)
    with pytest.raises(NotFoundError):
        await channels.rotate_webhook_secret(member("m-b"), webhook.id)
    with pytest.raises(NotFoundError):
        await channels.rotate_webhook_secret(member("m-a"), "no-such-webhook")
    [listed] = await channels.webhooks_of(member("m-a"))
    assert listed.previous_secret_valid_until(listed.created_at) is None


# Deletion


async def test_a_deleted_webhook_gets_nothing_more_and_its_waiting_deliveries_are_dropped(
    channels: ChannelHandlers, clock, fan_out  # noqa: ANN001
) -> None:
    webhook = await channels.register_webhook(member("m-a"), "http://127.0.0.1:9/hook", SECRET)
    await fan_out(channels, closed(clock))  # queued, not sent yet

    with pytest.raises(NotFoundError):
        await channels.delete_webhook(member("m-b"), webhook.id)  # another member's: as if absent
    assert await channels.delete_webhook(member("m-a"), webhook.id) == 1

    assert await channels.dispatch_due() == 0 and channels.sender.requests == []
    [dropped] = (await channels.delivery_log(member("m-a"), 10))[0]
    assert dropped.status == "dropped" and dropped.last_error == "the webhook was deleted"
    assert await channels.webhooks_of(member("m-a")) == []
    await fan_out(channels, closed(clock))
    assert len((await channels.delivery_log(member("m-a"), 10))[0]) == 1  # nothing new queued for it
    for change in (channels.delete_webhook, channels.rotate_webhook_secret, channels.enable_webhook):
        with pytest.raises(NotFoundError):
            await change(member("m-a"), webhook.id)
    # What stays is a tombstone without secrets (its outbox may still hold an event to publish).
    assert (await channels.webhooks.get(webhook.id)).signing_secrets == []


async def test_a_delivery_queued_after_the_deletion_is_dropped_when_due(
    channels: ChannelHandlers, clock, fan_out  # noqa: ANN001
) -> None:
    webhook = await channels.register_webhook(member("m-a"), "http://127.0.0.1:9/hook", SECRET)
    await fan_out(channels, closed(clock))
    stored = await channels.webhooks.get(webhook.id)
    stored.delete(clock.now)  # deleted by another instance between the fan-out and the drop
    await channels.webhooks.save(stored)

    assert await channels.dispatch_due() == 0
    [delivery] = (await channels.delivery_log(member("m-a"), 10))[0]
    assert delivery.status == "dropped" and channels.sender.requests == []


# Settings


@pytest.mark.parametrize("left_as_in_development", ["WEBHOOK_ALLOW_INTERNAL_TARGETS", "WEBHOOK_SECRET_ENCRYPTION_KEY"])
def test_production_refuses_private_targets_and_an_unset_sealing_key(
    left_as_in_development: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    production = {"ENVIRONMENT": "production", "WEBHOOK_ALLOW_HTTP": "false",
                  "WEBHOOK_ALLOW_INTERNAL_TARGETS": "false", "WEBHOOK_SECRET_ENCRYPTION_KEY": KEY}
    for name, value in production.items():
        if name != left_as_in_development:
            monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=left_as_in_development):
        Settings()
    monkeypatch.setenv(left_as_in_development, production[left_as_in_development])
    assert Settings().webhook_secret_key == KEY


def test_a_short_sealing_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET_ENCRYPTION_KEY", "too-short")
    with pytest.raises(ValidationError):
        Settings()


def test_development_allows_private_targets_and_uses_its_well_known_key() -> None:
    settings = Settings(environment="development")
    assert settings.webhook_allow_internal_targets and settings.webhook_secret_key.startswith("dev-")
