"""Encryption at rest of the token signing keys' private halves (shared_audits.sealing, AES-256-GCM);
each key is sealed with its key id as associated data."""

from __future__ import annotations

from shared_audits.sealing import Sealing, SealedSecretError

KeyDecryptionError = SealedSecretError
_HKDF_INFO = b"shared-audits access-control signing-key encryption v1"  # never change: it opens stored keys


class KeyEncryption(Sealing):
    def __init__(self, current_secret: str, previous_secrets: list[str] | None = None) -> None:
        super().__init__(_HKDF_INFO, "signing key", current_secret, previous_secrets)
