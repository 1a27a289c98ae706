"""A critical finding reaches every linked member by feed, e-mail and signed webhook; replays are detectable.

The test runs a real SMTP server (aiosmtpd) on the port the notifier sends to
(``SMTP_PORT``, default 8025) and a tiny webhook receiver on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from aiosmtpd.controller import Controller

from shared_audits_client import ApiError, eventually
from shared_audits_client.feed import wait_for_feed_record
from shared_audits_client.story import Cast
from shared_audits_client.webhooks import ReplayGuard, WebhookVerificationError, verify_signature
from tests.integration.cap_flows import finding, link_both_members, publish_report
from tests.integration.stack import Stack

# serial: listens on the one SMTP port notifier sends to (runs after the parallel part of make test).
pytestmark = pytest.mark.serial

SMTP_PORT = int(os.environ.get("SMTP_PORT", "8025"))


@dataclass
class Inbox:
    messages: list[tuple[list[str], str]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802 - aiosmtpd's hook
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", errors="replace")))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield inbox
    controller.stop()


@dataclass
class ReceivedRequest:
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """Records what the platform POSTs; answers 204."""

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append(ReceivedRequest(dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/shared-audits"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def of_type(self, event_type: str) -> list[ReceivedRequest]:
        return [r for r in self.requests if json.loads(r.body)["type"] == event_type]


@pytest.fixture
def receivers() -> Iterator[tuple[WebhookReceiver, WebhookReceiver]]:
    pair = (WebhookReceiver(), WebhookReceiver())
    yield pair
    for receiver in pair:
        receiver.close()


def test_a_critical_finding_alerts_every_linked_member_by_feed_email_and_webhook(
    stack: Stack, cast: Cast, smtp_server: Inbox, receivers: tuple[WebhookReceiver, WebhookReceiver]
) -> None:
    link_both_members(cast)
    secrets_by_member = {"member_a": secrets.token_hex(24), "member_b": secrets.token_hex(24)}
    emails = {"member_a": f"safety-{cast.factory_id[:8]}@brand-a.example",
              "member_b": f"sourcing-{cast.factory_id[:8]}@brand-b.example"}
    for role, receiver in zip(("member_a", "member_b"), receivers, strict=True):
        client = getattr(cast, role)
        client.register_webhook(receiver.url, secrets_by_member[role])
    # Member B turned e-mail off: critical alerts go out anyway.
    cast.member_a.register_recipient(emails["member_a"], "immediate")
    cast.member_b.register_recipient(emails["member_b"], "off")

    audit = publish_report(cast, [finding("9 Health and safety", "critical", "Emergency exit locked")])

    for role, receiver in zip(("member_a", "member_b"), receivers, strict=True):
        member_id = cast.organisations[role].organisation_id
        record = wait_for_feed_record(
            stack.kafka_bootstrap, member_id,
            lambda e: e["type"] == "CriticalFindingRaised" and e["payload"]["audit_id"] == audit["audit_id"],
        )
        assert record is not None, f"no alert on {role}'s feed"

        def webhook_alerted(receiver: WebhookReceiver = receiver) -> ReceivedRequest:
            alerts = receiver.of_type("CriticalFindingRaised")
            assert alerts, "no alert by webhook yet"
            return alerts[0]

        request = eventually(webhook_alerted)
        assert json.loads(request.body)["payload"]["audit_id"] == audit["audit_id"]
        assert json.loads(request.body)["event_id"] == record.envelope["event_id"]
        verify_signature(secrets_by_member[role], request.headers["X-Shared-Audits-Signature"], request.body)

        def emailed(address: str = emails[role]) -> str:
            mails = [text for to, text in smtp_server.messages if address in to and "CRITICAL ALERT" in text]
            assert mails, f"no alert mail to {address} yet"
            return mails[0]

        assert audit["audit_id"] in eventually(emailed)

    def logged_as_delivered() -> None:
        log = [d for d in cast.member_b.deliveries() if d["event_type"] == "CriticalFindingRaised"]
        assert sorted((d["channel"], d["status"]) for d in log) == [("email", "delivered"), ("webhook", "delivered")]

    eventually(logged_as_delivered)
    # Member B's "off" still holds for ordinary events: no mail about the report itself.
    assert not [text for to, text in smtp_server.messages
                if emails["member_b"] in to and "AuditReportPublished" in text]


def test_a_webhook_signature_verifies_and_a_replayed_webhook_is_detectable(
    stack: Stack, cast: Cast, receivers: tuple[WebhookReceiver, WebhookReceiver]
) -> None:
    receiver = receivers[0]
    secret = secrets.token_hex(24)
    cast.member_a.register_webhook(receiver.url, secret)
    link_both_members(cast)

    def linked_by_webhook() -> ReceivedRequest:
        linked = [r for r in receiver.of_type("FactoryLinked")
                  if json.loads(r.body)["payload"]["factory_id"] == cast.factory_id]
        assert linked, "no FactoryLinked by webhook yet"
        return linked[0]

    request = eventually(linked_by_webhook)
    guard = ReplayGuard(tolerance=300)
    event_id = guard.accept(secret, request.headers, request.body)
    assert event_id == request.headers["X-Shared-Audits-Event-Id"]

    # The same request again (a replay) is refused, and so is anything altered or signed with another key.
    with pytest.raises(WebhookVerificationError, match="replayed"):
        guard.accept(secret, request.headers, request.body)
    with pytest.raises(WebhookVerificationError, match="does not match"):
        guard.accept(secret, request.headers, request.body.replace(b"supplier", b"in_referencing"))
    with pytest.raises(WebhookVerificationError, match="does not match"):
        guard.accept("another-secret-of-32-characters!", request.headers, request.body)
    # Replayed later, outside the tolerance, even a fresh guard refuses it.
    timestamp = int(request.headers["X-Shared-Audits-Signature"].split(",")[0][2:])
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        ReplayGuard(tolerance=300).accept(secret, request.headers, request.body, now=timestamp + 301)


def test_webhook_and_recipient_registration_refuses_bad_input(stack: Stack, cast: Cast) -> None:
    for body in ({"url": "ftp://127.0.0.1/x", "secret": "s" * 32}, {"url": "http://127.0.0.1/x", "secret": "short"},
                 {"url": "http://127.0.0.1/x", "secret": "s" * 32, "extra": 1}):
        response = httpx.post(f"{stack.gateway_url}/notifier/webhooks", json=body,
                              headers={"Authorization": cast.member_a._http.headers["Authorization"]})
        assert response.status_code == 422 and response.json()["title"] == "Invalid request"
    with pytest.raises(ApiError) as refused:
        cast.member_a.register_recipient("not-an-address", "immediate")
    assert refused.value.status == 422
    with pytest.raises(ApiError) as refused:
        cast.factory.register_webhook("http://127.0.0.1:9/x", "s" * 32)
    assert refused.value.status == 403
