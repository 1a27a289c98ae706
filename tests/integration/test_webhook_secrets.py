"""Webhook secrets through the gateway: sealed in the notifier's database, rotated with both signing, and deleted.

The refusal of private targets needs production settings (the local stack allows
its 127.0.0.1 receivers); services/notifier/tests/unit/test_webhook_targets.py covers it.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from pymongo import MongoClient

from shared_audits_client import PlatformClient, eventually
from shared_audits_client.story import Cast
from shared_audits_client.webhooks import WebhookVerificationError, verify_signature
from tests.integration.cap_flows import link_both_members
from tests.integration.stack import Stack

pytestmark = pytest.mark.integration


class Receiver:
    """Records what the platform POSTs; answers ``status`` (204, or an error to keep deliveries waiting)."""

    def __init__(self, status: int = 204) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append((dict(self.headers.items()), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/shared-audits"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def failing_receiver() -> Iterator[Receiver]:
    receiver = Receiver(status=503)
    yield receiver
    receiver.close()


@pytest.fixture
def notifier_webhooks(stack: Stack) -> Iterator:
    """The notifier's own webhook documents, read directly (as an attacker with a database dump would)."""
    client = MongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000)
    yield client["notifier"]["webhooks"]
    client.close()


def call(client: PlatformClient, method: str, path: str) -> httpx.Response:
    return client._http.request(method, f"/notifier{path}")


def verifies(secret: str, header: str, body: bytes) -> bool:
    try:
        verify_signature(secret, header, body)
    except WebhookVerificationError:
        return False
    return True


def test_a_rotated_secret_and_the_one_it_replaced_both_sign_during_the_grace_period(
    cast: Cast, receiver: Receiver, notifier_webhooks
) -> None:
    old_secret = secrets.token_urlsafe(32)
    webhook = cast.member_a.register_webhook(receiver.url, old_secret)

    rotated = call(cast.member_a, "POST", f"/webhooks/{webhook['webhook_id']}/secret/rotate")

    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert len(new_secret) >= 32 and new_secret != old_secret
    valid_until = datetime.fromisoformat(rotated.json()["previous_secret_valid_until"])
    assert timedelta(hours=23) < valid_until - datetime.now(UTC) <= timedelta(hours=24)
    [listed] = [w for w in cast.member_a.webhooks() if w["webhook_id"] == webhook["webhook_id"]]
    assert "secret" not in listed
    assert listed["previous_secret_valid_until"] == rotated.json()["previous_secret_valid_until"]
    assert rotated.headers["cache-control"] == "no-store"

    # In the database: two sealed secrets, neither in clear.
    document = notifier_webhooks.find_one({"_id": webhook["webhook_id"]})
    stored = json.dumps(document, default=str)
    assert old_secret not in stored and new_secret not in stored and "secret" not in document
    assert [s["sealed"]["alg"] for s in document["signing_secrets"]] == ["A256GCM", "A256GCM"]

    link_both_members(cast)

    def linked_by_webhook() -> tuple[dict[str, str], bytes]:
        linked = [(headers, body) for headers, body in receiver.requests
                  if json.loads(body)["type"] == "FactoryLinked"
                  and json.loads(body)["payload"]["factory_id"] == cast.factory_id]
        assert linked, "no FactoryLinked by webhook yet"
        return linked[0]

    headers, body = eventually(linked_by_webhook)
    signature = headers["X-Shared-Audits-Signature"]
    assert signature.count("v1=") == 2
    assert verifies(new_secret, signature, body) and verifies(old_secret, signature, body)
    assert not verifies(secrets.token_urlsafe(32), signature, body)


def test_a_member_cannot_rotate_or_delete_another_member_s_webhook(cast: Cast, receiver: Receiver) -> None:
    webhook = cast.member_a.register_webhook(receiver.url, secrets.token_urlsafe(32))
    webhook_id = webhook["webhook_id"]

    for method, path in (("POST", f"/webhooks/{webhook_id}/secret/rotate"), ("DELETE", f"/webhooks/{webhook_id}")):
        refused = call(cast.member_b, method, path)
        assert refused.status_code == 404 and refused.headers["content-type"] == "application/problem+json"
        # Exactly what an id that does not exist answers: nothing tells that it belongs to someone.
        absent = call(cast.member_b, method, path.replace(webhook_id, "00000000-0000-0000-0000-000000000000"))
        assert absent.status_code == 404 and absent.json()["title"] == refused.json()["title"]
    assert call(cast.factory, "DELETE", f"/webhooks/{webhook_id}").status_code == 403

    assert webhook_id in [w["webhook_id"] for w in cast.member_a.webhooks()]


def test_a_deleted_webhook_is_gone_and_its_waiting_deliveries_are_dropped(
    cast: Cast, failing_receiver: Receiver, notifier_webhooks
) -> None:
    webhook_id = cast.member_a.register_webhook(failing_receiver.url, secrets.token_urlsafe(32))["webhook_id"]
    link_both_members(cast)

    def its_deliveries() -> list[dict]:
        return [d for d in cast.member_a.deliveries() if d["channel"] == "webhook" and d["target"] == webhook_id]

    def waiting_for_a_retry() -> None:
        assert [d for d in its_deliveries() if d["status"] == "pending" and d["attempts"] >= 1], "not tried yet"

    eventually(waiting_for_a_retry)  # the receiver answered 503: retried with backoff

    deleted = call(cast.member_a, "DELETE", f"/webhooks/{webhook_id}")

    assert deleted.status_code == 204 and deleted.content == b""
    assert webhook_id not in [w["webhook_id"] for w in cast.member_a.webhooks()]

    dropped, disabled = ("dropped", "the webhook was deleted"), ("failed", "the webhook is disabled")

    def all_dropped() -> None:
        outcomes = {(d["status"], d["last_error"]) for d in its_deliveries()}
        # On a loaded machine the failing receiver may have had the webhook disabled (failures in a row) a
        # moment before the delete; a delivery tried in that moment failed for that reason instead.
        was_disabled = notifier_webhooks.find_one({"_id": webhook_id}).get("disabled_at") is not None
        assert outcomes == {dropped} or (was_disabled and outcomes <= {dropped, disabled}), outcomes

    eventually(all_dropped)
    tried = len(failing_receiver.requests)
    for method, path in (("DELETE", f"/webhooks/{webhook_id}"), ("POST", f"/webhooks/{webhook_id}/secret/rotate"),
                         ("POST", f"/webhooks/{webhook_id}/enable")):
        assert call(cast.member_a, method, path).status_code == 404
    # Its secrets are erased; what stays is a tombstone, so an event in its outbox still leaves.
    document = notifier_webhooks.find_one({"_id": webhook_id})
    assert document["status"] == "deleted" and document["signing_secrets"] == []
    assert len(failing_receiver.requests) == tried
