"""Encryption at rest of the record signing keys' private halves (AES-256-GCM, envelope style).

The key-encryption key (KEK) comes from the service's settings, never from the
database. Its 256 bits are derived with HKDF-SHA256 from the configured secret,
so a random value of any length from 32 characters fits. Each private key is
sealed with a fresh 96-bit nonce and its key id as associated data (a sealed key
copied onto another key id does not open). The KEK's fingerprint is stored with
the ciphertext, so a KEK rotation knows which keys still need re-sealing.
The scheme is access-control's (its adapters/key_encryption.py): services share
no code but the shared package, so each keeps its copy, with its own HKDF label.
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
_HKDF_INFO = b"shared-audits cap-service record-key encryption v1"


class KeyDecryptionError(RuntimeError):
    """A sealed key that no configured KEK opens (wrong or missing KEK, or altered data)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


class _Kek:
    def __init__(self, secret: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret.encode())
        self.aead = AESGCM(key)
        # Identifies the KEK without revealing it (a hash of the derived key, not of the secret).
        self.fingerprint = hashlib.sha256(b"kek-fingerprint" + key).hexdigest()[:16]


class KeyEncryption:
    """Seals with the current KEK; opens with the current or any previous one (for KEK rotation)."""

    def __init__(self, current_secret: str, previous_secrets: list[str] | None = None) -> None:
        self._current = _Kek(current_secret)
        self._by_fingerprint = {kek.fingerprint: kek for kek in map(_Kek, previous_secrets or [])}
        self._by_fingerprint[self._current.fingerprint] = self._current

    def seal(self, kid: str, private_pem: str) -> dict[str, str]:
        nonce = os.urandom(12)
        ciphertext = self._current.aead.encrypt(nonce, private_pem.encode(), kid.encode())
        return {"alg": ALGORITHM, "kek": self._current.fingerprint, "nonce": _b64(nonce),
                "ciphertext": _b64(ciphertext)}

    def open(self, kid: str, sealed: dict[str, str]) -> str:
        kek = self._by_fingerprint.get(sealed.get("kek", ""))
        if sealed.get("alg") != ALGORITHM or kek is None:
            raise KeyDecryptionError(f"signing key {kid} was sealed with a key-encryption key not configured here")
        try:
            return kek.aead.decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]), kid.encode()).decode()
        except (InvalidTag, ValueError, KeyError) as error:
            raise KeyDecryptionError(f"signing key {kid} does not open: altered, or another key id") from error

    def is_current(self, sealed: dict[str, str]) -> bool:
        return sealed.get("kek") == self._current.fingerprint
