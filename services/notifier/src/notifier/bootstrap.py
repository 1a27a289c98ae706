"""Composition root of notifier."""

from fastapi import FastAPI

from notifier.adapters.feeds import KafkaMemberFeeds
from notifier.adapters.inbox import MongoFactoryEventLog, MongoInbox
from notifier.config import Settings
from notifier.entrypoints.http.routes import router
from notifier.service_layer.handlers import NotifierHandlers
from shared_audits.contracts import topics
from shared_audits.contracts.events import EVENT_TYPES
from shared_audits.runtime import build_runtime, create_app

PREFIX = "/notifier"
SOURCE_TOPICS = [topics.ACCESS, topics.REGISTRY, topics.AUDIT, topics.CAP, topics.EVIDENCE]


def build_app(settings: Settings | None = None, span_processors: list | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(
        settings, produced_topics=[topics.NOTIFIER], consumed_topics=SOURCE_TOPICS, span_processors=span_processors
    )
    inbox = MongoInbox(runtime.database["inbox"])
    factory_log = MongoFactoryEventLog(runtime.database["factory_events"])
    handlers = NotifierHandlers(
        links=runtime.links,
        feeds=KafkaMemberFeeds(runtime.broker, settings.kafka_bootstrap),
        inbox=inbox,
        factory_log=factory_log,
    )
    for payload_type in EVENT_TYPES.values():
        if payload_type.TOPIC in SOURCE_TOPICS:
            runtime.consumer.on(payload_type, handlers.fan_out)
    runtime.startup_hooks += [inbox.ensure_indexes, factory_log.ensure_indexes]
    app = create_app(runtime, title="notifier", prefix=PREFIX, routers=[router])
    app.state.notifier_handlers = handlers
    return app
