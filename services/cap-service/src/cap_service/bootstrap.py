"""Composition root of cap-service."""

from datetime import UTC, datetime

from fastapi import FastAPI
from shared_audits.contracts import topics
from shared_audits.contracts.enums import ClientScope
from shared_audits.contracts.events import AuditReportPublished, EvidenceStored, FactoriesMerged
from shared_audits.http import ServiceScopes
from shared_audits.rule_versions import RuleSetVersion
from shared_audits.runtime import build_runtime, create_app
from shared_audits.scheduling import PeriodicJob

from cap_service.adapters.cap_upgrades import backfill_next_overdue_deadline, start_records
from cap_service.adapters.checkpoints import MongoChainHeads, MongoCheckpointStore
from cap_service.adapters.key_encryption import KeyEncryption
from cap_service.adapters.record_keys import MongoRecordKeys, verify_signature
from cap_service.adapters.rules import load_deadline_rules
from cap_service.config import Settings
from cap_service.domain.model import Cap
from cap_service.domain.rule_sets import DEADLINES
from cap_service.entrypoints.http.record_routes import router as record_router
from cap_service.entrypoints.http.routes import router
from cap_service.entrypoints.http.rules_routes import router as rules_router
from cap_service.service_layer.handlers import CapHandlers
from cap_service.service_layer.record import CapRecords
from cap_service.service_layer.rule_sets import deadline_rule_sets
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
    # The projections every service keeps: links and member groups (access-control), merged ids (registry).
    runtime.follow_links_groups_and_merges()
    caps = runtime.store("caps", Cap)
    # The deadline rules' versions: the operator publishes new ones; every instance reads them from here.
    published_rules = deadline_rule_sets(runtime.store("rule_set_versions", RuleSetVersion))
    handlers = CapHandlers(
        caps=caps,
        links=runtime.links,
        deadline_rules=load_deadline_rules(),
        published_rules=published_rules,
        clock_override_allowed=settings.allow_clock_override,
    )
    overdue_job = PeriodicJob("overdue-items", settings.overdue_scan_seconds, handlers.flag_overdue_items)
    checkpoints = MongoCheckpointStore(runtime.database["record_checkpoints"],
                                       runtime.database["record_checkpoint_proofs"])
    record_keys = MongoRecordKeys(
        runtime.database["record_keys"],
        KeyEncryption(settings.record_key_secret, settings.record_key_encryption_previous_keys),
    )
    records = CapRecords(
        caps=caps,
        heads=MongoChainHeads(caps.collection),
        checkpoints=checkpoints,
        keys=record_keys,
        links=runtime.links,
        verify_signature=verify_signature,
    )
    checkpoint_job = PeriodicJob("record-checkpoints", settings.record_checkpoint_seconds, records.sign_checkpoint)
    runtime.consumer.on(AuditReportPublished, handlers.open_cap)
    runtime.consumer.on(EvidenceStored, handlers.record_evidence)
    runtime.consumer.on(FactoriesMerged, SiteMerges(caps).apply_merged)

    async def prepare() -> None:
        await published_rules.seed({DEADLINES: load_deadline_rules()})  # the file shipped: the first version
        await caps.collection.create_index([("factory_id", 1)])
        await caps.collection.create_index([("status", 1)])
        await caps.collection.create_index([("next_overdue_deadline", 1)])
        await backfill_next_overdue_deadline(caps)
        await start_records(caps, datetime.now(UTC))
        await checkpoints.ensure_indexes()
        await record_keys.ensure_key(datetime.now(UTC))

    runtime.startup_hooks += [prepare, overdue_job.start, checkpoint_job.start]
    runtime.shutdown_hooks += [overdue_job.stop, checkpoint_job.stop]
    app = create_app(
        runtime,
        title="cap-service",
        prefix=PREFIX,
        routers=[router, record_router, rules_router],
        client_scopes=ServiceScopes(read=ClientScope.CAPS_READ, write=ClientScope.CAPS_WRITE),
    )
    app.state.cap_handlers = handlers
    app.state.cap_records = records
    return app
