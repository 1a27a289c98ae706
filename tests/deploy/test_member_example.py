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


def _signed(secret: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def test_webhook_signatures_are_verified_over_timestamp_and_body() -> None:
    example = _example()
    secret, body = b"shared-webhook-secret", b'{"type":"CapItemAccepted"}'
    now = str(int(time.time()))
    header = f"t={now},v1={_signed(secret, now, body)}"
    assert example.verify_webhook(secret, header, body)
    assert not example.verify_webhook(secret, header, body + b" ")  # body changed
    assert not example.verify_webhook(b"another secret", header, body)
    stale = str(int(time.time()) - 3600)
    assert not example.verify_webhook(secret, f"t={stale},v1={_signed(secret, stale, body)}", body)  # a replay
    assert not example.verify_webhook(secret, "garbage", body)


def test_during_a_rotation_either_secret_verifies() -> None:
    example = _example()
    new, old, body = b"the new secret", b"the old secret", b"{}"
    now = str(int(time.time()))
    header = f"t={now},v1={_signed(new, now, body)},v1={_signed(old, now, body)}"
    assert example.verify_webhook(new, header, body) and example.verify_webhook(old, header, body)
