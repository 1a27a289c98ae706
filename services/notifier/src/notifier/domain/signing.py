"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>", sent as ``t=<unix seconds>,v1=<hex>[,v1=<hex>]``.

The timestamp is inside the signed text, so a receiver that refuses old
timestamps (and remembers the event ids it has seen within the tolerance)
detects a replayed request. During a secret rotation's grace period a request
carries one ``v1`` per valid secret, the newest first (as Stripe does): a
receiver accepts the request when any of them matches its secret, so it can
switch to the new secret whenever it is ready without losing a delivery.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

SIGNATURE_HEADER = "X-Shared-Audits-Signature"
EVENT_ID_HEADER = "X-Shared-Audits-Event-Id"
EVENT_TYPE_HEADER = "X-Shared-Audits-Event-Type"


def signature(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """The signature header's value: one timestamp, one ``v1`` per secret in the order given."""
    signed = f"{timestamp}.".encode() + body
    macs = [hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest() for secret in secrets]
    return ",".join([f"t={timestamp}", *(f"v1={mac}" for mac in macs)])
