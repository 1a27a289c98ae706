"""The delivery channels wired over in-memory fakes, one clock and a DNS the test writes."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from notifier.adapters.cap_deadlines import InMemoryCapDeadlines
from notifier.adapters.deliveries import InMemoryDeliveries
from notifier.adapters.emails import EmailTemplates
from notifier.adapters.inbox import InMemoryFactoryEventLog, InMemoryInbox
from notifier.adapters.recipients import InMemoryRecipients
from notifier.adapters.rules import load_notification_rules
from notifier.adapters.secret_sealing import WebhookSecretSealing
from notifier.adapters.webhook_targets import WebhookTargets
from notifier.service_layer.channels import ChannelHandlers, DeliveryPolicy
from notifier.service_layer.handlers import NotifierHandlers
from shared_audits.contracts import wrap
from shared_audits.contracts.envelope import EventPayload
from shared_audits.testing import InMemoryAggregateStore, InMemoryLinkProjection

SEALING_KEY = "a-unit-test-webhook-secret-encryption-key"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    async def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


class FakeSender:
    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes, dict]] = []
        self.failing = False

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        self.requests.append((url, body, headers))
        if self.failing:
            raise ConnectionError("refused")


class FakeFeeds:
    async def deliver_many(self, member_id: str, envelopes) -> None:  # noqa: ANN001
        pass


class FakeDns:
    """Answers what the test wrote for each host name; an unknown name does not resolve."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host in self.answers:
            return self.answers[host]
        try:
            return [str(ipaddress.ip_address(host))]  # an address literal answers itself
        except ValueError:
            raise OSError(f"[Errno -2] Name or service not known: {host}") from None


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dns() -> FakeDns:
    return FakeDns()


@pytest.fixture
def sealing() -> WebhookSecretSealing:
    return WebhookSecretSealing(SEALING_KEY)


@pytest.fixture
def channels(clock: Clock, dns: FakeDns, sealing: WebhookSecretSealing) -> ChannelHandlers:
    """As in development: loopback and private targets are allowed (the receivers of tests)."""
    return ChannelHandlers(
        webhooks=InMemoryAggregateStore(), recipients=InMemoryRecipients(), deliveries=InMemoryDeliveries(),
        mailer=FakeMailer(), sender=FakeSender(), rules=load_notification_rules(),
        targets=WebhookTargets(dns, allow_internal=True), sealing=sealing,
        emails=EmailTemplates("https://portal.example"), deadlines=InMemoryCapDeadlines(),
        policy=DeliveryPolicy(max_attempts=3, backoff_seconds=1, disable_after_failures=3), clock=clock,
    )


@pytest.fixture
def production_channels(channels: ChannelHandlers, dns: FakeDns) -> ChannelHandlers:
    """The same handlers with the production rule: public internet addresses only."""
    return dataclasses.replace(channels, targets=WebhookTargets(dns, allow_internal=False))


@pytest.fixture
def fan_out() -> Callable[[ChannelHandlers, EventPayload], Awaitable[None]]:
    """Fan an event about factory f-1 (linked to member m-a) out to the channels, twice (a redelivery)."""

    async def fan_out(channels: ChannelHandlers, event: EventPayload) -> None:
        notifier = NotifierHandlers(
            links=InMemoryLinkProjection({("m-a", "f-1")}), feeds=FakeFeeds(), inbox=InMemoryInbox(),
            factory_log=InMemoryFactoryEventLog(), channels=channels,
        )
        envelope = wrap(event, producer="test")
        await notifier.fan_out(event, envelope)
        await notifier.fan_out(event, envelope)  # a redelivery sends nothing twice

    return fan_out
