"""Composition root of factory-registry."""

from fastapi import FastAPI
from shared_audits.contracts import topics
from shared_audits.runtime import build_runtime, create_app

from factory_registry.config import Settings
from factory_registry.domain.model import Factory
from factory_registry.entrypoints.http.routes import router
from factory_registry.service_layer.handlers import FactoryRegistry

PREFIX = "/registry"


def build_app(settings: Settings | None = None, span_processors: list | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(
        settings, produced_topics=[topics.REGISTRY], consumed_topics=[], span_processors=span_processors
    )
    registry = FactoryRegistry(factories=runtime.store("factories", Factory), links=runtime.links)
    app = create_app(runtime, title="factory-registry", prefix=PREFIX, routers=[router])
    app.state.factory_registry = registry
    return app
