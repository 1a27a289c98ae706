"""Refresh sessions: one per login, its refresh token rotated at every use.

A refresh token presented a second time (stolen and used by two parties) revokes
the whole session: both holders have to sign in again.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from access_control.domain.errors import RefreshTokenReused
from shared_audits.aggregate import Aggregate
from shared_audits.errors import UnauthenticatedError

REFUSED = "refresh token unknown, expired or revoked"


class RefreshSession(Aggregate):
    user_id: str
    token_hash: str
    issued_at: datetime
    expires_at: datetime
    rotated_at: datetime | None = None
    rotations: int = 0
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def rotate(self, presented_hash: str, new_hash: str, now: datetime) -> None:
        """Swap the current token for a new one; a stale token revokes the session."""
        if self.revoked or now >= self.expires_at:
            raise UnauthenticatedError(REFUSED)
        if presented_hash != self.token_hash:
            self.revoke("a rotated refresh token was used again", now)
            raise RefreshTokenReused(REFUSED)
        self.token_hash = new_hash
        self.rotated_at = now
        self.rotations += 1

    def revoke(self, reason: str, now: datetime) -> None:
        if not self.revoked:
            self.revoked_at = now
            self.revoked_reason = reason


def token_digest(token: str) -> str:
    """One-time tokens (invitations, refresh tokens) are long random strings: SHA-256 suffices to store them."""
    return hashlib.sha256(token.encode()).hexdigest()
