"""Webhooks go only to public internet addresses outside development, checked at registration and at every delivery.

No network: a fake DNS answers, and the deliveries that must connect go to a
receiver on 127.0.0.1 that the fake DNS names.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from functools import partial
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpcore
import pytest

from notifier.adapters.webhook_sender import CheckedNetworkBackend, HttpWebhookSender, WebhookRequestError
from notifier.adapters.webhook_targets import WebhookTargetRefused, WebhookTargets
from notifier.domain.channels import SigningSecret, Webhook
from notifier.domain.errors import WebhookTargetRefusedError, WebhookUrlRefused
from notifier.domain.targets import parse_address, why_not_public
from notifier.service_layer.channels import ChannelHandlers
from shared_audits.contracts.events import CapClosed
from shared_audits.testing import member

SECRET = "s" * 32
NOW = datetime(2026, 5, 1, tzinfo=UTC)
PUBLIC = "93.184.215.14"

REFUSED = {
    # IPv4
    "127.0.0.1": "loopback", "127.8.9.10": "loopback",
    "10.1.2.3": "private", "172.16.0.1": "private", "172.31.255.254": "private", "192.168.1.1": "private",
    "169.254.169.254": "metadata", "169.254.10.20": "link-local",
    "0.0.0.0": "unspecified", "224.0.0.251": "multicast", "240.0.0.1": "reserved",
    "100.64.0.1": "not a public", "100.100.100.200": "metadata", "192.0.2.10": "not a public",
    # IPv6
    "::1": "loopback", "::": "unspecified", "fe80::1": "link-local", "fe80::1%eth0": "link-local",
    "fc00::1": "private", "fd12:3456::1": "private", "fd00:ec2::254": "metadata", "ff02::1": "multicast",
    "fec0::1": "site-local",
    # IPv6 forms of IPv4 addresses: mapped, 6to4, NAT64
    "::ffff:127.0.0.1": "loopback", "::ffff:10.0.0.1": "private", "::ffff:169.254.169.254": "metadata",
    "2002:7f00:1::": "loopback", "2002:c0a8:101::": "private", "64:ff9b::a9fe:a9fe": "metadata",
}
ALLOWED = [PUBLIC, "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", list(REFUSED))
def test_loopback_private_link_local_metadata_and_special_addresses_are_refused(address: str) -> None:
    reason = why_not_public(parse_address(address))
    assert reason is not None and REFUSED[address] in reason


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed_in_any_form(address: str) -> None:
    assert why_not_public(parse_address(address)) is None


async def test_a_name_answering_a_public_and_a_private_address_is_refused(dns) -> None:  # noqa: ANN001
    dns.answers["hooks.member.example"] = [PUBLIC, "2606:4700:4700::1111", "10.0.0.7"]
    with pytest.raises(WebhookTargetRefused, match=r"hooks.member.example resolves to 10.0.0.7, which is a private"):
        await WebhookTargets(dns).addresses("hooks.member.example", 443)


async def test_a_name_that_does_not_resolve_is_refused(dns) -> None:  # noqa: ANN001
    assert "does not resolve" in await WebhookTargets(dns).refusal("https://nowhere.member.example/hook")


async def test_development_allows_loopback_and_private_targets(dns) -> None:  # noqa: ANN001
    targets = WebhookTargets(dns, allow_internal=True)
    assert await targets.refusal("http://127.0.0.1:8999/hook") is None
    assert dns.asked == []  # registration does not even resolve in development
    dns.answers["receiver.test"] = ["127.0.0.1", "10.0.0.7"]
    assert [str(address) for address in await targets.addresses("receiver.test", 80)] == ["127.0.0.1", "10.0.0.7"]


async def test_registration_refuses_a_private_target_with_a_reason_for_the_url_field(
    production_channels: ChannelHandlers, dns  # noqa: ANN001
) -> None:
    dns.answers["metadata.member.example"] = ["169.254.169.254"]
    for url, reason in [("https://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
                        ("https://[::ffff:10.1.1.1]/hook", "stands for 10.1.1.1, a private address"),
                        ("https://metadata.member.example/hook", "resolves to 169.254.169.254, which is the cloud")]:
        with pytest.raises(WebhookTargetRefusedError, match=reason) as refused:
            await production_channels.register_webhook(member("m-a"), url, SECRET)
        assert refused.value.status == 422
        [error] = refused.value.extensions["errors"]
        assert error["field"] == "body.url" and reason in error["message"]
    assert await production_channels.webhooks_of(member("m-a")) == []

    dns.answers["hooks.member.example"] = [PUBLIC]
    assert await production_channels.register_webhook(member("m-a"), "https://hooks.member.example/in", SECRET)


async def test_outside_development_a_webhook_url_must_be_https(production_channels: ChannelHandlers, dns) -> None:  # noqa: ANN001
    dns.answers["hooks.member.example"] = [PUBLIC]
    with pytest.raises(WebhookUrlRefused, match="must use https") as refused:
        await production_channels.register_webhook(member("m-a"), "http://hooks.member.example/in", SECRET)
    assert refused.value.extensions["errors"] == [
        {"field": "body.url", "message": "webhook URLs must use https", "type": "url_scheme"}]
    assert await production_channels.webhooks_of(member("m-a")) == []


async def test_development_registers_a_plain_http_webhook(channels: ChannelHandlers) -> None:
    webhook = await channels.register_webhook(member("m-a"), "http://127.0.0.1:9/hook", SECRET)
    assert [w.url for w in await channels.webhooks_of(member("m-a"))] == [webhook.url]


def test_a_webhook_is_registered_only_on_https_to_an_accepted_target() -> None:
    secret = SigningSecret(sealed={"ciphertext": "x"}, created_at=NOW)
    register = partial(Webhook.register, "w-1", "m-a", secret=secret, now=NOW)
    with pytest.raises(WebhookUrlRefused):
        register("http://hooks.member.example/in", allow_http=False, target_refusal=None)
    with pytest.raises(WebhookTargetRefusedError, match="a loopback address"):
        register("https://127.0.0.1/in", allow_http=False, target_refusal="127.0.0.1 is a loopback address")
    assert register("http://hooks.member.example/in", allow_http=True, target_refusal=None).url.startswith("http:")
    webhook = register("https://hooks.member.example/in", allow_http=False, target_refusal=None)
    assert (webhook.member_id, webhook.signing_secrets, webhook.created_at) == ("m-a", [secret], NOW)


# Deliveries: the real sender, with the fake DNS behind its network backend.


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Records where connections go, and connects nowhere."""

    def __init__(self) -> None:
        self.connected: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, timeout=None, local_address=None,  # noqa: ANN001
                          socket_options=None) -> httpcore.AsyncNetworkStream:  # noqa: ANN001
        self.connected.append((host, port))
        raise httpcore.ConnectError("the test's backend connects nowhere")

    async def sleep(self, seconds: float) -> None:
        pass


class Receiver:
    """A webhook receiver on 127.0.0.1 that records the Host header of what it gets."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        hosts = self.hosts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                hosts.append(self.headers["Host"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


async def test_a_delivery_to_a_name_that_now_resolves_to_a_private_address_is_refused_before_connecting(
    dns  # noqa: ANN001
) -> None:
    dns.answers["hooks.member.example"] = [PUBLIC]
    targets = WebhookTargets(dns)
    assert await targets.refusal("https://hooks.member.example/in") is None  # accepted at registration
    backend = RecordingBackend()
    sender = HttpWebhookSender(targets, network_backend=backend)

    dns.answers["hooks.member.example"] = ["::ffff:169.254.169.254"]  # the member's DNS changed since
    with pytest.raises(WebhookRequestError, match="refused: .* the cloud metadata service"):
        await sender.post("https://hooks.member.example/in", b"{}", {})
    assert backend.connected == []
    await sender.aclose()


async def test_a_delivery_connects_to_the_address_it_checked_with_the_url_host_name(
    dns, receiver: Receiver  # noqa: ANN001
) -> None:
    # The system's DNS does not know this name: the request can only arrive through the checked answer.
    dns.answers["hooks.member.invalid"] = ["127.0.0.1"]
    sender = HttpWebhookSender(WebhookTargets(dns, allow_internal=True))
    await sender.post(f"http://hooks.member.invalid:{receiver.port}/in", b"{}", {})
    assert receiver.hosts == [f"hooks.member.invalid:{receiver.port}"]
    assert dns.asked == ["hooks.member.invalid"]  # one resolution, checked and used: nothing to rebind
    await sender.aclose()


async def test_each_connection_resolves_and_checks_again(dns) -> None:  # noqa: ANN001
    dns.answers["hooks.member.example"] = [PUBLIC, "2606:4700:4700::1111"]
    inner = RecordingBackend()
    backend = CheckedNetworkBackend(WebhookTargets(dns), inner)
    for _ in range(2):
        with pytest.raises(httpcore.ConnectError):
            await backend.connect_tcp("hooks.member.example", 443)
    # Both checked addresses were tried, in the order DNS gave, once per connection.
    assert inner.connected == [(PUBLIC, 443), ("2606:4700:4700::1111", 443)] * 2
    assert dns.asked == ["hooks.member.example"] * 2


async def test_the_dispatcher_counts_a_refused_target_as_a_failed_attempt(
    production_channels: ChannelHandlers, dns, clock, fan_out  # noqa: ANN001
) -> None:
    dns.answers["hooks.member.example"] = [PUBLIC]
    webhook = await production_channels.register_webhook(member("m-a"), "https://hooks.member.example/in", SECRET)
    production_channels.sender = HttpWebhookSender(production_channels.targets, network_backend=RecordingBackend())
    dns.answers["hooks.member.example"] = ["10.0.0.7"]
    await fan_out(production_channels, CapClosed(cap_id="c-1", factory_id="f-1", closed_at=clock.now))

    assert await production_channels.dispatch_due() == 0

    [delivery] = (await production_channels.delivery_log(member("m-a"), 10))[0]
    assert delivery.status == "pending" and "refused" in delivery.last_error and "10.0.0.7" in delivery.last_error
    assert (await production_channels.webhooks.get(webhook.id)).consecutive_failures == 1
    await production_channels.sender.aclose()
