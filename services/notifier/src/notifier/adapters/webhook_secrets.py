"""At start: seal the webhook secrets stored in clear before encryption at rest, and re-seal after a KEK change."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from pymongo.asynchronous.collection import AsyncCollection

from notifier.adapters.secret_sealing import WebhookSecretSealing
from notifier.domain.channels import SigningSecret

logger = logging.getLogger(__name__)

PLAIN_FIELD = "secret"  # how a webhook's one secret was stored before encryption at rest
SEALED_FIELD = "signing_secrets"


async def seal_stored_secrets(collection: AsyncCollection, sealing: WebhookSecretSealing) -> int:
    """Rewrite every webhook holding a secret in clear, or sealed with a previous KEK; returns how many.

    Nothing is lost: a clear secret becomes the webhook's current sealed secret. Each
    write checks the version it read, so several instances starting at once (or a
    delivery counting a failure meanwhile) never overwrite each other; a webhook
    skipped that way is found again at the next start.
    """
    changed = 0
    cursor = collection.find({}, {PLAIN_FIELD: 1, SEALED_FIELD: 1, "created_at": 1, "version": 1})
    async for document in cursor:
        webhook_id = document["_id"]
        secrets = [SigningSecret.model_validate(s) for s in document.get(SEALED_FIELD) or []]
        if PLAIN_FIELD in document:
            created_at = document.get("created_at") or datetime.now(UTC).isoformat()
            secrets = [SigningSecret(sealed=sealing.seal(webhook_id, document[PLAIN_FIELD]),
                                     created_at=created_at), *secrets]
        elif all(sealing.is_current(secret.sealed) for secret in secrets):
            continue
        else:
            secrets = [_sealed_again(sealing, webhook_id, secret) for secret in secrets]
        result = await collection.update_one(
            {"_id": webhook_id, "version": document.get("version")},
            {"$set": {SEALED_FIELD: [secret.model_dump(mode="json") for secret in secrets]},
             "$unset": {PLAIN_FIELD: ""}, "$inc": {"version": 1}},
        )
        changed += result.modified_count
    if changed:
        logger.info("webhook secrets sealed with the current key", extra={"webhooks": changed})
    return changed


def _sealed_again(sealing: WebhookSecretSealing, webhook_id: str, secret: SigningSecret) -> SigningSecret:
    if sealing.is_current(secret.sealed):
        return secret
    return secret.model_copy(update={"sealed": sealing.seal(webhook_id, sealing.open(webhook_id, secret.sealed))})
