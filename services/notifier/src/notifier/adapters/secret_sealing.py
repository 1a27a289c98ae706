"""Encryption at rest of the webhooks' signing secrets (shared_audits.sealing, AES-256-GCM); each
secret is sealed with its webhook's id as associated data, so a copy onto another webhook does not open."""

from __future__ import annotations

from shared_audits.sealing import Sealing, SealedSecretError

SecretDecryptionError = SealedSecretError
_HKDF_INFO = b"shared-audits notifier webhook-secret encryption v1"  # never change: it opens stored secrets


class WebhookSecretSealing(Sealing):
    def __init__(self, current_key: str, previous_keys: list[str] | None = None) -> None:
        super().__init__(_HKDF_INFO, "the secret of webhook", current_key, previous_keys)
