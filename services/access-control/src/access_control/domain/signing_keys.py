"""When a signing key signs, and how long its public half stays in the JWKS.

Rotation without downtime: a new key is published in the JWKS at once but signs
only after ``activation_delay`` (longer than the verifiers' refetch pause), so
every verifier can fetch it before it meets a token it signed. A superseded key
stays published until the last token it signed has expired, then is retired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class KeyLifecycle:
    kid: str
    created_at: datetime
    activates_at: datetime
    # Set when a newer key supersedes this one: its tokens have expired by then.
    retire_after: datetime | None = None

    def published(self, now: datetime) -> bool:
        return self.retire_after is None or now < self.retire_after


def signing_key(keys: list[KeyLifecycle], now: datetime) -> KeyLifecycle | None:
    """The newest key whose activation time has come."""
    active = [key for key in keys if key.activates_at <= now and key.published(now)]
    return max(active, key=lambda key: key.activates_at, default=None)


def rotation(
    keys: list[KeyLifecycle], new_kid: str, now: datetime, activation_delay: timedelta, token_lifetime: timedelta
) -> KeyLifecycle:
    """Plan a new key; every key still without a retirement date gets one."""
    new_key = KeyLifecycle(kid=new_kid, created_at=now, activates_at=now + activation_delay)
    for key in keys:
        if key.retire_after is None:
            # It may still sign until the new key activates; its last token expires a lifetime later.
            key.retire_after = new_key.activates_at + token_lifetime
    return new_key
