"""Client secrets and passwords: stored only as argon2id hashes; random secrets are shown once."""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class SecretHasher:
    def __init__(self) -> None:
        self._hasher = PasswordHasher()  # argon2id with the library's current defaults
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)

    def hash(self, secret: str) -> str:
        return self._hasher.hash(secret)

    def verify(self, secret_hash: str, secret: str) -> bool:
        try:
            return self._hasher.verify(secret_hash, secret)
        except (VerificationError, InvalidHashError):
            return False

    def verify_nothing(self, secret: str) -> None:
        """Spend the time of one verification, so an unknown user answers as slowly as a wrong password."""
        self.verify(self._dummy_hash, secret)
