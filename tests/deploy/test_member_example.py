"""The member example's webhook check accepts a genuine signature and refuses forgeries and replays."""

import hashlib
import hmac
import importlib.util
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "member_client.py"


def _example():
    spec = importlib.util.spec_from_file_location("member_client", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_webhook_signatures_are_verified_over_timestamp_and_body() -> None:
    example = _example()
    secret, body = b"shared-webhook-secret", b'{"type":"CapItemAccepted"}'
    now = str(int(time.time()))
    signature = hmac.new(secret, now.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert example.verify_webhook(secret, now, body, signature)
    assert not example.verify_webhook(secret, now, body + b" ", signature)  # body changed
    assert not example.verify_webhook(b"another secret", now, body, signature)
    stale = str(int(time.time()) - 3600)
    stale_signature = hmac.new(secret, stale.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert not example.verify_webhook(secret, stale, body, stale_signature)  # a replay
