"""The process around a service: Mongo, Kafka, relay, consumer, tokens, FastAPI app.

A service's ``bootstrap.py`` builds a ``ServiceRuntime``, registers its
handlers and routes, and ``create_app`` turns it into one ASGI process whose
lifespan also runs the FastStream subscribers and the outbox relay.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shared_audits.api_docs import serve_api_docs
from shared_audits.auth import TokenVerifier
from shared_audits.consumer import DeadLetters, EventConsumer, ProcessedEvents, subscribe
from shared_audits.contracts.events import (
    FactoriesMerged,
    FactoryLinked,
    FactoryUnlinked,
    MemberGroupDissolved,
    MemberGroupPublished,
)
from shared_audits.contracts.topics import ACCESS, REGISTRY, TopicSpec
from shared_audits.http import ServiceScopes, add_health_routes, install_problem_handlers
from shared_audits.kafka import build_broker, ensure_topics
from shared_audits.lag import ConsumerLag
from shared_audits.links import MongoLinkProjection
from shared_audits.logging import configure_logging
from shared_audits.member_groups import MongoMemberGroups
from shared_audits.merges import MongoMergedFactories, translating_merged_ids
from shared_audits.metrics import MetricsSampler, ServiceMetrics
from shared_audits.mongo import build_mongo_client, ping
from shared_audits.outbox import OutboxRelay
from shared_audits.problems import declare_problem_answers
from shared_audits.settings import ServiceSettings
from shared_audits.store import A, MongoAggregateStore

logger = logging.getLogger(__name__)

StartupHook = Callable[[], Awaitable[None]]


@dataclass
class ServiceRuntime:
    settings: ServiceSettings
    tracer_provider: TracerProvider
    mongo: AsyncMongoClient
    database: AsyncDatabase
    broker: KafkaBroker
    relay: OutboxRelay
    consumer: EventConsumer
    links: MongoLinkProjection
    merged_factories: MongoMergedFactories
    member_groups: MongoMemberGroups
    token_verifier: TokenVerifier
    metrics: ServiceMetrics
    produced_topics: list[TopicSpec] = field(default_factory=list)
    consumed_topics: list[TopicSpec] = field(default_factory=list)
    startup_hooks: list[StartupHook] = field(default_factory=list)
    # Run at shutdown, before the relay and broker stop (background jobs end here).
    shutdown_hooks: list[StartupHook] = field(default_factory=list)
    readiness_checks: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)

    def store(self, collection_name: str, model: type[A]) -> MongoAggregateStore[A]:
        """An aggregate store whose outbox the relay publishes."""
        collection = self.database[collection_name]
        self.relay.watch(collection)
        return MongoAggregateStore(collection, model, self.settings.service_name, self.relay)


def build_runtime(
    settings: ServiceSettings,
    *,
    produced_topics: list[TopicSpec],
    consumed_topics: list[TopicSpec],
    span_processors: list[SpanProcessor] | None = None,
) -> ServiceRuntime:
    """Build the real adapters of one service process (nothing connects until start)."""
    from shared_audits.telemetry import build_tracer_provider

    configure_logging(settings.service_name, settings.log_level)
    tracer_provider = build_tracer_provider(
        settings.service_name, settings.otel_exporter_otlp_endpoint, span_processors
    )
    mongo = build_mongo_client(settings)
    database = mongo[settings.database_name]
    metrics = ServiceMetrics(settings.service_name)
    broker = build_broker(
        settings.kafka_bootstrap, tracer_provider, settings.service_name, settings.kafka_client_options
    )
    relay = OutboxRelay(broker, [], settings.outbox_sweep_seconds)
    consumer = EventConsumer(
        ProcessedEvents(database["processed_events"]),
        DeadLetters(broker, settings.service_name, metrics.dead_letters),
        tracer_provider.get_tracer("shared_audits.consumer"),
    )
    links = MongoLinkProjection(database["member_factory_links"])
    merged_factories = MongoMergedFactories(database["merged_factories"])
    member_groups = MongoMemberGroups(database["member_groups"])
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
        token_verifier=TokenVerifier(settings.jwks_url, settings.token_issuer, settings.token_audience),
        metrics=metrics,
        produced_topics=produced_topics,
        consumed_topics=list(consumed_topics),
    )
    # Every service follows the links and the merges of sites.
    for topic in (ACCESS, REGISTRY):
        if topic not in runtime.consumed_topics:
            runtime.consumed_topics.append(topic)
    consumer.on_batch([FactoryLinked, FactoryUnlinked], links.apply_changes)
    # ... and the member groups whose members see each other's names (shared_audits.member_groups).
    consumer.on(MemberGroupPublished, member_groups.apply_published)
    consumer.on(MemberGroupDissolved, member_groups.apply_dissolved)
    # Registered first, so a service's own FactoriesMerged handler runs after the map knows the merge.
    consumer.on(FactoriesMerged, merged_factories.apply_merged)
    consumer.translate_with(translating_merged_ids(merged_factories))
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
    lag = (
        ConsumerLag(
            settings.kafka_bootstrap,
            settings.service_name,
            [topic.name for topic in runtime.consumed_topics],
            settings.kafka_client_options,
        )
        if runtime.consumer.handled_types
        else None
    )
    sampler = MetricsSampler(runtime.metrics, lag, runtime.relay.backlog)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_topics(
            settings.kafka_bootstrap,
            [*runtime.produced_topics, *runtime.consumed_topics, runtime.consumer.dead_letter_topic],
            settings.kafka_client_options,
        )
        for hook in runtime.startup_hooks:
            await hook()
        if runtime.consumer.handled_types:
            subscribe(runtime.broker, runtime.consumer, runtime.consumed_topics, group_id=settings.service_name)
        await runtime.broker.start()
        runtime.relay.start()
        sampler.start()
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
