"""Checking the platform's webhook requests, as a member's receiver does.

The header ``X-Shared-Audits-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]``
carries an HMAC-SHA256, keyed with the member's secret, over ``<t>.<raw body>``.
While a rotated secret's grace period runs there is one ``v1`` per valid secret
(the new one first): a request is genuine when any of them matches the secret
the receiver holds, so it may switch to the new secret at any moment of the grace
period. A receiver refuses a bad signature and a timestamp outside its tolerance,
and remembers the event ids it accepted within that tolerance: a replayed request
is then either too old or a repeated event id.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Shared-Audits-Signature"
EVENT_ID_HEADER = "X-Shared-Audits-Event-Id"
DEFAULT_TOLERANCE_SECONDS = 300


class WebhookVerificationError(ValueError):
    pass


def verify_signature(
    secret: str, header: str, body: bytes, now: float | None = None, tolerance: int = DEFAULT_TOLERANCE_SECONDS
) -> int:
    """Check the signature and freshness of one request; returns its timestamp.

    Accepted when any ``v1`` in the header matches (several during a secret rotation).
    """
    try:
        parts = [part.strip().split("=", 1) for part in header.split(",")]
        [timestamp] = [int(value) for key, value in parts if key == "t"]
        received = [value for key, value in parts if key == "v1"]
    except ValueError as error:
        raise WebhookVerificationError("malformed signature header") from error
    if not received:
        raise WebhookVerificationError("malformed signature header")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    # Every candidate is compared (no early exit), each in constant time.
    if not sum(hmac.compare_digest(expected, candidate) for candidate in received):
        raise WebhookVerificationError("signature does not match")
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        raise WebhookVerificationError("timestamp outside the tolerance: a late or replayed request")
    return timestamp


class ReplayGuard:
    """Accepts each event id once within the tolerance window (keep it in a shared store in production)."""

    def __init__(self, tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> None:
        self.tolerance = tolerance
        self._seen: dict[str, float] = {}

    def accept(self, secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> str:
        """Verify a request; returns its event id, or raises if invalid, stale or already accepted."""
        now = now if now is not None else time.time()
        lowered = {key.lower(): value for key, value in headers.items()}
        verify_signature(secret, lowered.get(SIGNATURE_HEADER.lower(), ""), body, now, self.tolerance)
        event_id = lowered.get(EVENT_ID_HEADER.lower(), "")
        self._seen = {key: seen for key, seen in self._seen.items() if now - seen <= self.tolerance}
        if not event_id or event_id in self._seen:
            raise WebhookVerificationError("replayed request: this event id was already accepted")
        self._seen[event_id] = now
        return event_id
