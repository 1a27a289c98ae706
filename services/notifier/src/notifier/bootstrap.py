"""Composition root of notifier: the one place that chooses the adapters, the subscriptions and the jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor
from shared_audits.contracts import topics
from shared_audits.contracts.enums import ClientScope
from shared_audits.contracts.events import EVENT_TYPES, FactoriesMerged, FactoryLinked, FactoryUnlinked, UserInvited
from shared_audits.http import ServiceScopes
from shared_audits.runtime import ServiceRuntime, SharedAdapters, build_runtime, create_app
from shared_audits.scheduling import PeriodicJob

from notifier.adapters.cap_deadlines import MongoCapDeadlines
from notifier.adapters.deliveries import MongoDeliveries
from notifier.adapters.emails import EmailTemplates
from notifier.adapters.feeds import KafkaMemberFeeds
from notifier.adapters.inbox import MongoFactoryEventLog, MongoInbox
from notifier.adapters.mailer import SmtpMailer
from notifier.adapters.recipients import MongoRecipients
from notifier.adapters.rules import load_notification_rules
from notifier.adapters.secret_sealing import WebhookSecretSealing
from notifier.adapters.webhook_secrets import seal_stored_secrets
from notifier.adapters.webhook_sender import HttpWebhookSender
from notifier.adapters.webhook_targets import WebhookTargets
from notifier.config import Settings
from notifier.domain.audit_company_mail import ABOUT_AN_AUDIT_COMPANY
from notifier.domain.channels import Webhook
from notifier.entrypoints.http.channels import router as channels_router
from notifier.entrypoints.http.routes import router
from notifier.service_layer.channels import ChannelHandlers, DeliveryPolicy
from notifier.service_layer.handlers import NotifierHandlers
from notifier.service_layer.merges import SiteMerges
from notifier.service_layer.ports import (
    CapDeadlines,
    Deliveries,
    FactoryEventLog,
    Inbox,
    Mailer,
    MemberFeeds,
    Recipients,
    SecretSealing,
    WebhookSender,
    WebhookStore,
    WebhookTargetCheck,
)

PREFIX = "/notifier"
# Every event of these topics is fanned out to the members linked to its factory.
SOURCE_TOPICS = [topics.ACCESS, topics.REGISTRY, topics.AUDIT, topics.CAP, topics.EVIDENCE]


@dataclass
class Adapters:
    """Every adapter the handlers need. ``build_app`` builds the real ones (MongoDB, the members' Kafka
    feeds, SMTP, HTTP to the webhooks) unless given these; ``shared``: the runtime's own (links, merges,
    member groups, relay...), the unit tests' ``InMemorySharedAdapters``."""

    inbox: Inbox
    factory_log: FactoryEventLog
    deliveries: Deliveries
    recipients: Recipients
    deadlines: CapDeadlines
    webhooks: WebhookStore
    feeds: MemberFeeds
    mailer: Mailer
    sender: WebhookSender
    targets: WebhookTargetCheck
    sealing: SecretSealing
    shared: SharedAdapters | None = None


def build_app(
    settings: Settings | None = None,
    adapters: Adapters | None = None,
    span_processors: list[SpanProcessor] | None = None,
) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(settings, produced_topics=[topics.NOTIFIER], span_processors=span_processors,
                            shared=adapters.shared if adapters else None)
    adapters = adapters or _real_adapters(runtime, settings)
    channels = ChannelHandlers(
        webhooks=adapters.webhooks,
        recipients=adapters.recipients,
        deliveries=adapters.deliveries,
        mailer=adapters.mailer,
        sender=adapters.sender,
        rules=load_notification_rules(),
        targets=adapters.targets,
        sealing=adapters.sealing,
        emails=EmailTemplates(settings.portal_url),
        deadlines=adapters.deadlines,
        allow_http=settings.webhook_allow_http,
        policy=DeliveryPolicy(
            max_attempts=settings.delivery_max_attempts,
            backoff_seconds=settings.delivery_backoff_seconds,
            backoff_cap_seconds=settings.delivery_backoff_cap_seconds,
            disable_after_failures=settings.webhook_disable_after_failures,
            secret_grace=timedelta(seconds=settings.webhook_rotation_grace_seconds),
        ),
    )
    handlers = NotifierHandlers(
        links=runtime.links,
        feeds=adapters.feeds,
        inbox=adapters.inbox,
        factory_log=adapters.factory_log,
        channels=channels,
        member_groups=runtime.member_groups,
    )

    # Subscriptions (the topics consumed follow from them: every event of the source topics). First the projections
    # every service keeps: FactoryLinked/FactoryUnlinked (who hears of a site), the member groups, FactoriesMerged.
    runtime.follow_links_groups_and_merges()
    # Who hears of a link change depends on the links just before it: those go one at a time.
    link_changes = (FactoryLinked, FactoryUnlinked)
    for payload_type in link_changes:
        runtime.consumer.on(payload_type, handlers.fan_out)
    # An invitation is about a person, not a factory: e-mailed to the invited address, in no feed.
    runtime.consumer.on(UserInvited, channels.invite)
    runtime.consumer.on_batch([payload_type for payload_type in EVENT_TYPES.values()
                               if payload_type.TOPIC in SOURCE_TOPICS
                               and payload_type not in (*link_changes, UserInvited)],
                              handlers.fan_out_batch)
    # An audit company's own recipients, beside the members' fan-out (its accreditation is about no factory).
    runtime.consumer.on_batch(list(ABOUT_AN_AUDIT_COMPANY), channels.enqueue_for_audit_companies)
    runtime.consumer.on(FactoriesMerged, SiteMerges(adapters.inbox, adapters.factory_log).apply_merged)

    # Jobs.
    dispatcher = PeriodicJob("deliveries", settings.dispatch_interval_seconds, channels.dispatch_due)
    digests = PeriodicJob("daily-digest", settings.digest_interval_seconds, channels.send_digests)
    reminders = PeriodicJob("deadline-reminders", settings.deadline_reminder_interval_seconds,
                            channels.remind_deadlines)
    runtime.startup_hooks += [dispatcher.start, digests.start, reminders.start]
    # The jobs stop before the adapters they use close (the webhook sender).
    runtime.shutdown_hooks[:0] = [dispatcher.stop, digests.stop, reminders.stop]

    app = create_app(
        runtime,
        title="notifier",
        prefix=PREFIX,
        routers=[router, channels_router],
        client_scopes=ServiceScopes(read=ClientScope.FEED_READ),
    )
    app.state.notifier_handlers = handlers
    app.state.channel_handlers = channels
    return app


def _real_adapters(runtime: ServiceRuntime, settings: Settings) -> Adapters:
    """MongoDB collections and the webhook store, the members' Kafka feeds, SMTP and the webhook sender.

    Their indexes are made at start, and the secrets stored in clear by an earlier version are sealed
    then, before the dispatcher starts.
    """
    assert runtime.database is not None
    inbox = MongoInbox(runtime.database["inbox"])
    factory_log = MongoFactoryEventLog(runtime.database["factory_events"])
    deliveries = MongoDeliveries(runtime.database["deliveries"])
    recipients = MongoRecipients(runtime.database["recipients"])
    deadlines = MongoCapDeadlines(runtime.database["cap_deadlines"])
    webhooks = runtime.store("webhooks", Webhook)
    targets = WebhookTargets(allow_internal=settings.webhook_allow_internal_targets)
    sealing = WebhookSecretSealing(settings.webhook_secret_key, settings.webhook_secret_encryption_previous_keys)
    sender = HttpWebhookSender(targets, settings.webhook_timeout_seconds)
    mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_sender, use_tls=settings.smtp_starttls,
                        username=settings.smtp_username, password=settings.smtp_password)

    async def prepare() -> None:
        await webhooks.collection.create_index([("member_id", 1)])
        await seal_stored_secrets(webhooks.collection, sealing)

    runtime.startup_hooks += [inbox.ensure_indexes, factory_log.ensure_indexes, deliveries.ensure_indexes,
                              recipients.ensure_indexes, deadlines.ensure_indexes, prepare]
    runtime.shutdown_hooks.append(sender.aclose)
    return Adapters(
        inbox=inbox, factory_log=factory_log, deliveries=deliveries, recipients=recipients, deadlines=deadlines,
        webhooks=webhooks, feeds=KafkaMemberFeeds(runtime.broker, settings.kafka_bootstrap,
                                                  settings.kafka_client_options),
        mailer=mailer, sender=sender, targets=targets, sealing=sealing,
    )
