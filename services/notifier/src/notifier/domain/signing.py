"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>", sent as ``t=<unix seconds>,v1=<hex>``.

The timestamp is inside the signed text, so a receiver that refuses old
timestamps (and remembers the event ids it has seen within the tolerance)
detects a replayed request.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Shared-Audits-Signature"
EVENT_ID_HEADER = "X-Shared-Audits-Event-Id"
EVENT_TYPE_HEADER = "X-Shared-Audits-Event-Type"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"
