"""Fixtures: the handlers wired over the fakes of fakes.py, one clock and a DNS the test writes."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from notifier.adapters.emails import EmailTemplates
from notifier.adapters.rules import load_notification_rules
from notifier.adapters.secret_sealing import WebhookSecretSealing
from notifier.adapters.webhook_targets import WebhookTargets
from notifier.bootstrap import Adapters, build_app
from notifier.config import Settings
from notifier.service_layer.channels import ChannelHandlers, DeliveryPolicy
from notifier.service_layer.handlers import NotifierHandlers
from shared_audits.contracts import wrap
from shared_audits.contracts.envelope import EventPayload
from shared_audits.testing import (
    InMemoryAggregateStore,
    InMemoryLinkProjection,
    InMemoryMemberGroups,
    InMemorySharedAdapters,
    RunningApp,
    running,
)

from .fakes import (
    Clock,
    FakeDns,
    FakeMailer,
    FakeSender,
    InMemoryCapDeadlines,
    InMemoryDeliveries,
    InMemoryFactoryEventLog,
    InMemoryInbox,
    InMemoryMemberFeeds,
    InMemoryRecipients,
)

SEALING_KEY = "a-unit-test-webhook-secret-encryption-key"


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
        allow_http=True,
    )


@pytest.fixture
def production_channels(channels: ChannelHandlers, dns: FakeDns) -> ChannelHandlers:
    """The same handlers with the production rules: https, to public internet addresses only."""
    return dataclasses.replace(channels, targets=WebhookTargets(dns, allow_internal=False), allow_http=False)


@pytest.fixture
def notifier() -> NotifierHandlers:
    """The fan-out over fakes: member m-a linked to factory f-1, m-b to f-2, no delivery channels."""
    return NotifierHandlers(
        links=InMemoryLinkProjection({("m-a", "f-1"), ("m-b", "f-2")}),
        feeds=InMemoryMemberFeeds(),
        inbox=InMemoryInbox(),
        factory_log=InMemoryFactoryEventLog(),
        member_groups=InMemoryMemberGroups(),
    )


@pytest.fixture
def fan_out() -> Callable[[ChannelHandlers, EventPayload], Awaitable[None]]:
    """Fan an event about factory f-1 (linked to member m-a) out to the channels, twice (a redelivery)."""

    async def fan_out(channels: ChannelHandlers, event: EventPayload) -> None:
        notifier = NotifierHandlers(
            links=InMemoryLinkProjection({("m-a", "f-1")}), feeds=InMemoryMemberFeeds(), inbox=InMemoryInbox(),
            factory_log=InMemoryFactoryEventLog(), channels=channels, member_groups=InMemoryMemberGroups(),
        )
        envelope = wrap(event, producer="test")
        await notifier.fan_out(event, envelope)
        await notifier.fan_out(event, envelope)  # a redelivery sends nothing twice

    return fan_out


# The app in process: build_app over the fakes, its broker on TestKafkaBroker (test_routes, test_subscribers).

PUBLIC_ADDRESS = "93.184.215.14"


@pytest.fixture
def shared() -> InMemorySharedAdapters:
    return InMemorySharedAdapters()


@pytest.fixture
def adapters(shared: InMemorySharedAdapters, dns: FakeDns, sealing: WebhookSecretSealing) -> Adapters:
    """The fakes of every port, with the production rule for webhook targets: public addresses only."""
    dns.answers["hooks.member.example"] = [PUBLIC_ADDRESS]
    return Adapters(
        inbox=InMemoryInbox(), factory_log=InMemoryFactoryEventLog(), deliveries=InMemoryDeliveries(),
        recipients=InMemoryRecipients(), deadlines=InMemoryCapDeadlines(), webhooks=shared.store(),
        feeds=InMemoryMemberFeeds(), mailer=FakeMailer(), sender=FakeSender(),
        targets=WebhookTargets(dns, allow_internal=False), sealing=sealing, shared=shared,
    )


@pytest.fixture
async def app(adapters: Adapters) -> AsyncIterator[RunningApp]:
    """notifier as in production (https webhooks only), its jobs started once and then idle for the test."""
    settings = Settings(webhook_allow_http=False, webhook_allow_internal_targets=False,
                        dispatch_interval_seconds=3600, digest_interval_seconds=3600,
                        deadline_reminder_interval_seconds=3600)
    async with running(build_app(settings, adapters)) as started:
        yield started
