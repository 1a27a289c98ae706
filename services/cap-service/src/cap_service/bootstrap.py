"""Composition root of cap-service."""

from datetime import UTC, datetime

from fastapi import FastAPI
from shared_audits.contracts import topics
from shared_audits.contracts.enums import ClientScope
from shared_audits.contracts.events import AuditReportPublished, EvidenceStored, FactoriesMerged
from shared_audits.http import ServiceScopes
from shared_audits.runtime import build_runtime, create_app
from shared_audits.scheduling import PeriodicJob

from cap_service.adapters.rules import load_deadline_rules
from cap_service.config import Settings
from cap_service.domain.model import Cap
from cap_service.entrypoints.http.routes import router
from cap_service.service_layer.handlers import CapHandlers, backfill_next_overdue_deadline, start_records
from cap_service.service_layer.merges import SiteMerges

PREFIX = "/caps"


def build_app(settings: Settings | None = None, span_processors: list | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(
        settings,
        produced_topics=[topics.CAP],
        consumed_topics=[topics.AUDIT, topics.EVIDENCE],
        span_processors=span_processors,
    )
    caps = runtime.store("caps", Cap)
    handlers = CapHandlers(
        caps=caps,
        links=runtime.links,
        deadline_rules=load_deadline_rules(),
        clock_override_allowed=settings.allow_clock_override,
    )
    overdue_job = PeriodicJob("overdue-items", settings.overdue_scan_seconds, handlers.flag_overdue_items)
    runtime.consumer.on(AuditReportPublished, handlers.open_cap)
    runtime.consumer.on(EvidenceStored, handlers.record_evidence)
    runtime.consumer.on(FactoriesMerged, SiteMerges(caps).apply_merged)

    async def prepare() -> None:
        await caps.collection.create_index([("factory_id", 1)])
        await caps.collection.create_index([("status", 1)])
        await caps.collection.create_index([("next_overdue_deadline", 1)])
        await backfill_next_overdue_deadline(caps)
        await start_records(caps, datetime.now(UTC))

    runtime.startup_hooks += [prepare, overdue_job.start]
    runtime.shutdown_hooks.append(overdue_job.stop)
    app = create_app(
        runtime,
        title="cap-service",
        prefix=PREFIX,
        routers=[router],
        client_scopes=ServiceScopes(read=ClientScope.CAPS_READ, write=ClientScope.CAPS_WRITE),
    )
    app.state.cap_handlers = handlers
    return app
