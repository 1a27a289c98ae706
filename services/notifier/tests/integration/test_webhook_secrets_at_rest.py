"""Webhooks in the real MongoDB-protocol server: secrets stored in clear before are sealed at start, nothing lost."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient

from notifier.adapters.secret_sealing import WebhookSecretSealing
from notifier.adapters.webhook_secrets import seal_stored_secrets
from notifier.domain.channels import SigningSecret, Webhook
from shared_audits.store import MongoAggregateStore
from tests.integration.stack import Stack

pytestmark = pytest.mark.integration

KEY = "integration-webhook-secret-encryption-key-32+"  # pragma: allowlist secret
NEW_KEY = "integration-changed-webhook-secret-key-of-32+"
SECRET = "a-secret-stored-in-clear-before-encryption-at-rest"  # pragma: allowlist secret
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def collection(stack: Stack):
    client = AsyncMongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000, tz_aware=True)
    collection = client["notifier_tests"][f"webhooks_{uuid.uuid4().hex[:8]}"]
    yield collection
    await collection.drop()
    await client.close()


async def test_a_secret_stored_in_clear_is_sealed_at_start_and_keeps_signing(collection) -> None:
    # As an earlier version wrote it: the secret in clear, in the field "secret".
    await collection.insert_one({"_id": "w-old", "member_id": "m-a", "url": "https://hooks.member.example/in",
                                 "secret": SECRET, "status": "active", "consecutive_failures": 0,
                                 "created_at": NOW.isoformat(), "disabled_at": None, "version": 3, "outbox": []})
    sealing = WebhookSecretSealing(KEY)

    assert await seal_stored_secrets(collection, sealing) == 1
    assert await seal_stored_secrets(collection, sealing) == 0  # a second start finds nothing to do

    document = await collection.find_one({"_id": "w-old"})
    assert SECRET not in str(document) and "secret" not in document and document["version"] == 4
    webhook = await MongoAggregateStore(collection, Webhook, "notifier").get("w-old")
    [current] = webhook.secrets_valid_at(NOW)
    assert sealing.open("w-old", current.sealed) == SECRET


async def test_a_key_change_seals_again_at_start_and_the_old_key_is_then_not_needed(collection) -> None:
    old = WebhookSecretSealing(KEY)
    store = MongoAggregateStore(collection, Webhook, "notifier")
    secrets = [SigningSecret(sealed=old.seal("w-1", "the-new-one"), created_at=NOW),
               SigningSecret(sealed=old.seal("w-1", SECRET), created_at=NOW, retires_at=NOW + timedelta(hours=24))]
    await store.add(Webhook(id="w-1", member_id="m-a", url="https://hooks.member.example/in",
                            signing_secrets=secrets, created_at=NOW))

    assert await seal_stored_secrets(collection, WebhookSecretSealing(NEW_KEY, [KEY])) == 1

    webhook = await store.get("w-1")
    assert [WebhookSecretSealing(NEW_KEY).open("w-1", s.sealed) for s in webhook.signing_secrets] == [
        "the-new-one", SECRET]
    assert webhook.signing_secrets[1].retires_at == NOW + timedelta(hours=24)  # the grace period is kept
