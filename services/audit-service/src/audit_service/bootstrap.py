"""Composition root of audit-service."""

from fastapi import FastAPI

from audit_service.adapters.audit_companies import MongoAuditCompanies
from audit_service.adapters.rules import load_rating_rules
from audit_service.config import Settings
from audit_service.domain.model import Audit
from audit_service.entrypoints.http.routes import router
from audit_service.service_layer.handlers import AuditHandlers
from shared_audits.contracts import topics
from shared_audits.contracts.events import OrganisationRegistered
from shared_audits.runtime import build_runtime, create_app

PREFIX = "/audits"


def build_app(settings: Settings | None = None, span_processors: list | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(
        settings, produced_topics=[topics.AUDIT], consumed_topics=[topics.ACCESS], span_processors=span_processors
    )
    audits = runtime.store("audits", Audit)
    audit_companies = MongoAuditCompanies(runtime.database["audit_companies"])
    handlers = AuditHandlers(
        audits=audits, links=runtime.links, audit_companies=audit_companies, rating_rules=load_rating_rules()
    )
    runtime.consumer.on(OrganisationRegistered, audit_companies.apply_registered)

    async def prepare() -> None:
        await audits.collection.create_index([("factory_id", 1)])

    runtime.startup_hooks.append(prepare)
    app = create_app(runtime, title="audit-service", prefix=PREFIX, routers=[router])
    app.state.audit_handlers = handlers
    return app
