"""The session cookie: the tokens encrypted and authenticated with the portal's secret (Fernet).

Page scripts never see it (httpOnly), and a cookie altered or made elsewhere decodes to nothing."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict

from cryptography.fernet import Fernet, InvalidToken

from portal.domain.session import Session, SignedInUser


class SessionCookie:
    def __init__(self, secret: str, max_age_seconds: int) -> None:
        key = base64.urlsafe_b64encode(hashlib.sha256(b"portal-session\0" + secret.encode()).digest())
        self._fernet = Fernet(key)
        self._max_age = max_age_seconds

    def encode(self, session: Session) -> str:
        data = asdict(session)
        return self._fernet.encrypt(json.dumps(data, separators=(",", ":")).encode()).decode()

    def decode(self, value: str | None) -> Session | None:
        if not value:
            return None
        try:
            data = json.loads(self._fernet.decrypt(value.encode(), ttl=self._max_age))
            user = _user(data.pop("user"))
            return Session(user=user, **data)
        except (InvalidToken, ValueError, TypeError, KeyError):
            return None


def _user(data: dict) -> SignedInUser:
    return SignedInUser(**{**data, "roles": tuple(data.get("roles") or ())})
