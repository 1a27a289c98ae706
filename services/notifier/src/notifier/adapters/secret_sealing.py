"""Encryption at rest of the webhooks' signing secrets (AES-256-GCM), as access-control seals its signing keys.

The key-encryption key (KEK) comes from the settings, never from the database;
its 256 bits are derived with HKDF-SHA256 from the configured value. Each
secret is sealed with a fresh 96-bit nonce and the webhook's id as associated
data, so a sealed secret copied onto another webhook does not open. The KEK's
fingerprint is stored beside the ciphertext: after a KEK change, a start knows
which secrets to seal again (the previous KEK is configured for reading meanwhile).
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALGORITHM = "A256GCM"
_HKDF_INFO = b"shared-audits notifier webhook-secret encryption v1"


class SecretDecryptionError(RuntimeError):
    """A sealed secret that no configured KEK opens (wrong or missing KEK, or altered data)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


class _Kek:
    def __init__(self, secret: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret.encode())
        self.aead = AESGCM(key)
        # Names the KEK without revealing it (a hash of the derived key, not of the configured value).
        self.fingerprint = hashlib.sha256(b"kek-fingerprint" + key).hexdigest()[:16]


class WebhookSecretSealing:
    """Seals with the current KEK; opens with the current or a previous one (for a KEK change)."""

    def __init__(self, current_key: str, previous_keys: list[str] | None = None) -> None:
        self._current = _Kek(current_key)
        self._by_fingerprint = {kek.fingerprint: kek for kek in map(_Kek, previous_keys or [])}
        self._by_fingerprint[self._current.fingerprint] = self._current

    def seal(self, webhook_id: str, secret: str) -> dict[str, str]:
        nonce = os.urandom(12)
        ciphertext = self._current.aead.encrypt(nonce, secret.encode(), webhook_id.encode())
        return {"alg": ALGORITHM, "kek": self._current.fingerprint, "nonce": _b64(nonce),
                "ciphertext": _b64(ciphertext)}

    def open(self, webhook_id: str, sealed: dict[str, str]) -> str:
        kek = self._by_fingerprint.get(sealed.get("kek", ""))
        if sealed.get("alg") != ALGORITHM or kek is None:
            raise SecretDecryptionError(f"webhook {webhook_id}'s secret was sealed with a key not configured here")
        try:
            plain = kek.aead.decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]), webhook_id.encode())
        except (InvalidTag, ValueError, KeyError) as error:
            message = f"webhook {webhook_id}'s secret does not open: altered, or another webhook's"
            raise SecretDecryptionError(message) from error
        return plain.decode()

    def is_current(self, sealed: dict[str, str]) -> bool:
        return sealed.get("kek") == self._current.fingerprint
