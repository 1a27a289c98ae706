"""Encryption at rest of small secrets (signing keys' private halves, webhook secrets): AES-256-GCM.

The key-encryption key (KEK) comes from the service's settings, never from the database. Its 256
bits are derived with HKDF-SHA256 from the configured value and a label of the service's own, so a
random value of any length from 32 characters fits and two services never share a derived key.
Each secret is sealed with a fresh 96-bit nonce and the id of what it belongs to as associated
data (a sealed secret copied onto another id does not open). The KEK's fingerprint is stored with
the ciphertext, so after a KEK change a start knows which secrets to seal again (the previous KEK
stays configured for reading meanwhile).
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


class SealedSecretError(RuntimeError):
    """A sealed secret that no configured KEK opens (wrong or missing KEK, or altered data)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


class _Kek:
    def __init__(self, secret: str, label: bytes) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret.encode())
        self.aead = AESGCM(key)
        # Names the KEK without revealing it (a hash of the derived key, not of the configured value).
        self.fingerprint = hashlib.sha256(b"kek-fingerprint" + key).hexdigest()[:16]


class Sealing:
    """Seals with the current KEK; opens with the current or any previous one (for a KEK change).

    ``label`` separates the services' derived keys; ``what`` names the secrets in error messages."""

    def __init__(self, label: bytes, what: str, current_secret: str, previous_secrets: list[str] | None = None) -> None:
        self._what = what
        self._current = _Kek(current_secret, label)
        self._by_fingerprint = {kek.fingerprint: kek for kek in (_Kek(s, label) for s in previous_secrets or [])}
        self._by_fingerprint[self._current.fingerprint] = self._current

    def seal(self, owner_id: str, plaintext: str) -> dict[str, str]:
        nonce = os.urandom(12)
        ciphertext = self._current.aead.encrypt(nonce, plaintext.encode(), owner_id.encode())
        return {"alg": ALGORITHM, "kek": self._current.fingerprint, "nonce": _b64(nonce),
                "ciphertext": _b64(ciphertext)}

    def open(self, owner_id: str, sealed: dict[str, str]) -> str:
        kek = self._by_fingerprint.get(sealed.get("kek", ""))
        if sealed.get("alg") != ALGORITHM or kek is None:
            raise SealedSecretError(f"{self._what} {owner_id} was sealed with a key-encryption key not configured here")
        try:
            plain = kek.aead.decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]), owner_id.encode())
        except (InvalidTag, ValueError, KeyError) as error:
            raise SealedSecretError(f"{self._what} {owner_id} does not open: altered, or another's") from error
        return plain.decode()

    def is_current(self, sealed: dict[str, str]) -> bool:
        return sealed.get("kek") == self._current.fingerprint
