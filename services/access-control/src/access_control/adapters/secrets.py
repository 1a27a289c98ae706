"""Client secrets: random, shown once, stored only as an argon2id hash."""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError


class SecretHasher:
    def __init__(self) -> None:
        self._hasher = PasswordHasher()  # argon2id with the library's current defaults

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)

    def hash(self, secret: str) -> str:
        return self._hasher.hash(secret)

    def verify(self, secret_hash: str, secret: str) -> bool:
        try:
            return self._hasher.verify(secret_hash, secret)
        except VerificationError:
            return False
