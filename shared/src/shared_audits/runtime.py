"""The process around a service: Mongo, Kafka, relay, consumer, tokens, FastAPI app.

A service's ``bootstrap.py`` builds a ``ServiceRuntime``, registers its
handlers and routes, and ``create_app`` turns it into one ASGI process whose
lifespan also runs the FastStream subscribers and the outbox relay.

The bootstrap declares every subscription, those of the projections every service
keeps included (``follow_links_groups_and_merges``); the topics consumed follow from
them. Built with ``shared`` (the unit tests' ``shared_audits.testing.InMemorySharedAdapters``),
the runtime makes no MongoDB client, creates no topics and reads no lag: the app runs
in process with its broker wrapped in FastStream's ``TestKafkaBroker``
(docs/service-template.md).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shared_audits.api_docs import serve_api_docs
from shared_audits.auth import Principal, TokenVerifier
from shared_audits.consumer import (
    DeadLetters,
    DeadLetterSink,
    EventConsumer,
    ProcessedEvents,
    ProcessedLog,
    subscribe,
)
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import (
    FactoriesMerged,
    FactoryLinked,
    FactoryUnlinked,
    MemberGroupDissolved,
    MemberGroupPublished,
)
from shared_audits.contracts.topics import TopicSpec
from shared_audits.http import ServiceScopes, add_health_routes, install_problem_handlers
from shared_audits.kafka import build_broker, ensure_topics
from shared_audits.lag import ConsumerLag
from shared_audits.links import LinkProjection, MongoLinkProjection
from shared_audits.logging import configure_logging
from shared_audits.member_groups import MemberGroupSource, MongoMemberGroups
from shared_audits.merges import MergedFactories, MongoMergedFactories, translating_merged_ids
from shared_audits.metrics import MetricsSampler, ServiceMetrics
from shared_audits.mongo import build_mongo_client, ping
from shared_audits.outbox import OutboxRelay
from shared_audits.problems import declare_problem_answers
from shared_audits.settings import ServiceSettings
from shared_audits.store import A, MongoAggregateStore

logger = logging.getLogger(__name__)

StartupHook = Callable[[], Awaitable[None]]


class Relay(Protocol):
    """Publishes what the stores handed over (``OutboxRelay``; the unit tests' ``InMemoryOutbox``)."""

    backlog: dict[str, int]

    def start(self) -> None: ...
    async def stop(self) -> None: ...


class TokenVerification(Protocol):
    async def verify(self, token: str) -> Principal: ...
    async def aclose(self) -> None: ...


class MemberGroupProjection(MemberGroupSource, Protocol):
    async def apply_published(self, event: MemberGroupPublished, envelope: EventEnvelope) -> None: ...
    async def apply_dissolved(self, event: MemberGroupDissolved, envelope: EventEnvelope) -> None: ...


class SharedAdapters(Protocol):
    """The runtime's own adapters in place of the real ones (``shared_audits.testing.InMemorySharedAdapters``)."""

    links: LinkProjection
    merged_factories: MergedFactories
    member_groups: MemberGroupProjection
    processed: ProcessedLog
    dead_letters: DeadLetterSink
    token_verifier: TokenVerification
    relay: Relay

    def publish_through(self, broker: KafkaBroker) -> None: ...


@dataclass
class ServiceRuntime:
    """What a service's bootstrap composes with: the broker, the consumer, the shared projections, the hooks.

    ``database`` (and ``mongo``) are None when the runtime was built on ``SharedAdapters``:
    then the service's own adapters come from its ``Adapters`` too, and nothing connects.
    """

    settings: ServiceSettings
    tracer_provider: TracerProvider
    mongo: AsyncMongoClient | None
    database: AsyncDatabase | None
    broker: KafkaBroker
    relay: Relay
    consumer: EventConsumer
    links: LinkProjection
    merged_factories: MergedFactories
    member_groups: MemberGroupProjection
    token_verifier: TokenVerification
    metrics: ServiceMetrics
    produced_topics: list[TopicSpec] = field(default_factory=list)
    consumed_topics: list[TopicSpec] = field(default_factory=list)
    startup_hooks: list[StartupHook] = field(default_factory=list)
    # Run at shutdown, before the relay and broker stop (background jobs end here).
    shutdown_hooks: list[StartupHook] = field(default_factory=list)
    readiness_checks: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)

    @property
    def connects(self) -> bool:
        """Whether the process talks to real servers (False: built on fakes, its broker for TestKafkaBroker)."""
        return self.database is not None

    def store(self, collection_name: str, model: type[A]) -> MongoAggregateStore[A]:
        """An aggregate store whose outbox the relay publishes."""
        if self.database is None or not isinstance(self.relay, OutboxRelay):
            raise RuntimeError("a runtime built on fakes has no database: give the store in the service's Adapters")
        collection = self.database[collection_name]
        self.relay.watch(collection)
        return MongoAggregateStore(collection, model, self.settings.service_name, self.relay)

    def follow_links_groups_and_merges(self) -> None:
        """Declare the subscriptions of the projections every service keeps (called by each bootstrap).

        The links and member groups (access-control's events) decide who sees what; the merged-ids
        map (factory-registry's FactoriesMerged) is declared before the service's own
        FactoriesMerged handler, so that handler runs after the map knows the merge.
        """
        self.consumer.on_batch([FactoryLinked, FactoryUnlinked], self.links.apply_changes)
        self.consumer.on(MemberGroupPublished, self.member_groups.apply_published)
        self.consumer.on(MemberGroupDissolved, self.member_groups.apply_dissolved)
        self.consumer.on(FactoriesMerged, self.merged_factories.apply_merged)


def build_runtime(
    settings: ServiceSettings,
    *,
    produced_topics: list[TopicSpec],
    consumed_topics: list[TopicSpec] | None = None,
    span_processors: list[SpanProcessor] | None = None,
    shared: SharedAdapters | None = None,
) -> ServiceRuntime:
    """Build the adapters of one service process (nothing connects until start).

    With ``shared`` (unit tests: ``shared_audits.testing.InMemorySharedAdapters``) no MongoDB
    client is made and the app's lifespan creates no topics and reads no lag: its broker is
    meant to be wrapped in FastStream's ``TestKafkaBroker``. The topics consumed are those of
    the events the bootstrap subscribes to, plus any in ``consumed_topics``.
    """
    from shared_audits.telemetry import build_tracer_provider

    configure_logging(settings.service_name, settings.log_level)
    tracer_provider = build_tracer_provider(
        settings.service_name, settings.otel_exporter_otlp_endpoint, span_processors
    )
    metrics = ServiceMetrics(settings.service_name)
    broker = build_broker(
        settings.kafka_bootstrap, tracer_provider, settings.service_name, settings.kafka_client_options
    )
    tracer = tracer_provider.get_tracer("shared_audits.consumer")
    if shared is None:
        mongo: AsyncMongoClient | None = build_mongo_client(settings)
        database: AsyncDatabase | None = mongo[settings.database_name]
        relay: Relay = OutboxRelay(broker, [], settings.outbox_sweep_seconds)
        consumer = EventConsumer(
            ProcessedEvents(database["processed_events"]),
            DeadLetters(broker, settings.service_name, metrics.dead_letters),
            tracer,
        )
        links: LinkProjection = MongoLinkProjection(database["member_factory_links"])
        merged_factories: MergedFactories = MongoMergedFactories(database["merged_factories"])
        member_groups: MemberGroupProjection = MongoMemberGroups(database["member_groups"])
        token_verifier: TokenVerification = TokenVerifier(
            settings.jwks_url, settings.token_issuer, settings.token_audience
        )
    else:
        mongo, database = None, None
        shared.publish_through(broker)
        relay, links, merged_factories = shared.relay, shared.links, shared.merged_factories
        member_groups, token_verifier = shared.member_groups, shared.token_verifier
        consumer = EventConsumer(shared.processed, shared.dead_letters, tracer)
    runtime = ServiceRuntime(
        settings=settings,
        tracer_provider=tracer_provider,
        mongo=mongo,
        database=database,
        broker=broker,
        relay=relay,
        consumer=consumer,
        links=links,
        merged_factories=merged_factories,
        member_groups=member_groups,
        token_verifier=token_verifier,
        metrics=metrics,
        produced_topics=produced_topics,
        consumed_topics=list(consumed_topics or []),
    )
    # Every payload about a merged site reaches the handlers as one about the surviving site
    # (the map is fed by the FactoriesMerged subscription the bootstrap declares).
    consumer.translate_with(translating_merged_ids(merged_factories))
    if database is not None:
        assert isinstance(links, MongoLinkProjection) and isinstance(relay, OutboxRelay)
        runtime.startup_hooks += [links.ensure_indexes, relay.ensure_indexes]
        runtime.readiness_checks["database"] = lambda: ping(database)
        runtime.readiness_checks["kafka"] = _kafka_check(broker)
    return runtime


def _kafka_check(broker: KafkaBroker) -> Callable[[], Awaitable[None]]:
    async def check() -> None:
        if not await broker.ping(timeout=2.0):
            raise ConnectionError("kafka did not answer")

    return check


def create_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    prefix: str,
    routers: list[APIRouter],
    client_scopes: ServiceScopes | None = None,
) -> FastAPI:
    """One ASGI app serving the service's routes under its gateway prefix, plus health."""
    settings = runtime.settings
    consumed_topics = list(runtime.consumed_topics)
    consumed_topics += [topic for topic in runtime.consumer.topics if topic not in consumed_topics]
    lag = (
        ConsumerLag(
            settings.kafka_bootstrap,
            settings.service_name,
            [topic.name for topic in consumed_topics],
            settings.kafka_client_options,
        )
        if runtime.consumer.handled_types and runtime.connects
        else None
    )
    sampler = MetricsSampler(runtime.metrics, lag, runtime.relay.backlog)
    if runtime.consumer.handled_types:
        # Declared now, before any start: FastStream's TestKafkaBroker patches the subscribers it finds.
        subscribe(runtime.broker, runtime.consumer, consumed_topics, group_id=settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime.connects:
            await ensure_topics(
                settings.kafka_bootstrap,
                [*runtime.produced_topics, *consumed_topics, runtime.consumer.dead_letter_topic],
                settings.kafka_client_options,
            )
        for hook in runtime.startup_hooks:
            await hook()
        await runtime.broker.start()
        runtime.relay.start()
        await sampler.start()
        logger.info("service started", extra={"prefix": prefix})
        try:
            yield
        finally:
            for hook in runtime.shutdown_hooks:
                await hook()
            await sampler.stop()
            await runtime.relay.stop()
            await runtime.broker.stop()
            await runtime.token_verifier.aclose()
            if runtime.mongo is not None:
                await runtime.mongo.close()
            runtime.tracer_provider.shutdown()

    app = FastAPI(
        title=title,
        lifespan=lifespan,
        openapi_url=f"{prefix}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    # Before the service's routers, so none of their routes can shadow the docs page.
    serve_api_docs(app, prefix)
    app.state.runtime = runtime
    app.state.token_verifier = runtime.token_verifier
    app.state.merged_factories = runtime.merged_factories
    app.state.member_groups = runtime.member_groups
    app.state.client_scopes = client_scopes
    install_problem_handlers(app)
    runtime.metrics.install(app)
    add_health_routes(app, runtime.readiness_checks)
    for router in routers:
        app.include_router(router, prefix=prefix)
    declare_problem_answers(app)
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=runtime.tracer_provider, excluded_urls="healthz,readyz"
    )
    return app
