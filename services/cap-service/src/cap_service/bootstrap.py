"""Composition root of cap-service: the one place that chooses the adapters, the subscriptions and the jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor
from shared_audits.contracts import topics
from shared_audits.contracts.enums import ClientScope
from shared_audits.contracts.events import AuditReportPublished, EvidenceStored, FactoriesMerged
from shared_audits.http import ServiceScopes
from shared_audits.rule_versions import RuleSetVersion, RuleSetVersionStore
from shared_audits.runtime import ServiceRuntime, SharedAdapters, build_runtime, create_app
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
from cap_service.service_layer.merges import SiteMerges
from cap_service.service_layer.ports import CapStore, ChainHeads, CheckpointStore, RecordKeys
from cap_service.service_layer.record import CapRecords
from cap_service.service_layer.rule_sets import deadline_rule_sets

PREFIX = "/caps"


@dataclass
class Adapters:
    """Every adapter the handlers need. ``build_app`` builds the real ones (MongoDB) unless given these;
    ``shared``: the runtime's own (links, merges, member groups, relay...), the unit tests'
    ``InMemorySharedAdapters``."""

    caps: CapStore
    rule_set_versions: RuleSetVersionStore  # the deadline rules' published versions
    chain_heads: ChainHeads
    checkpoints: CheckpointStore
    record_keys: RecordKeys
    shared: SharedAdapters | None = None


def build_app(
    settings: Settings | None = None,
    adapters: Adapters | None = None,
    span_processors: list[SpanProcessor] | None = None,
) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(settings, produced_topics=[topics.CAP], span_processors=span_processors,
                            shared=adapters.shared if adapters else None)
    adapters = adapters or _real_adapters(runtime, settings)
    # The deadline rules' versions: the operator publishes new ones; every instance reads them from here.
    published_rules = deadline_rule_sets(adapters.rule_set_versions)
    handlers = CapHandlers(
        caps=adapters.caps,
        links=runtime.links,
        deadline_rules=load_deadline_rules(),
        published_rules=published_rules,
        clock_override_allowed=settings.allow_clock_override,
    )
    records = CapRecords(
        caps=adapters.caps,
        heads=adapters.chain_heads,
        checkpoints=adapters.checkpoints,
        keys=adapters.record_keys,
        links=runtime.links,
        verify_signature=verify_signature,
    )

    # Subscriptions (the topics consumed follow from them). First the projections every service
    # keeps: FactoryLinked/FactoryUnlinked (who may see a site), the member groups, FactoriesMerged.
    runtime.follow_links_groups_and_merges()
    runtime.consumer.on(AuditReportPublished, handlers.open_cap)
    runtime.consumer.on(EvidenceStored, handlers.record_evidence)
    runtime.consumer.on(FactoriesMerged, SiteMerges(adapters.caps).apply_merged)

    async def prepare() -> None:
        await published_rules.seed({DEADLINES: load_deadline_rules()})  # the file shipped: the first version
        await adapters.record_keys.ensure_key(datetime.now(UTC))  # the first signing key of a new platform

    # Jobs.
    overdue_job = PeriodicJob("overdue-items", settings.overdue_scan_seconds, handlers.flag_overdue_items)
    checkpoint_job = PeriodicJob("record-checkpoints", settings.record_checkpoint_seconds, records.sign_checkpoint)
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


def _real_adapters(runtime: ServiceRuntime, settings: Settings) -> Adapters:
    """MongoDB stores; their indexes are made, and CAPs saved by older releases upgraded, at start."""
    assert runtime.database is not None
    caps = runtime.store("caps", Cap)
    checkpoints = MongoCheckpointStore(runtime.database["record_checkpoints"],
                                       runtime.database["record_checkpoint_proofs"])
    record_keys = MongoRecordKeys(
        runtime.database["record_keys"],
        KeyEncryption(settings.record_key_secret, settings.record_key_encryption_previous_keys),
    )

    async def prepare() -> None:
        await caps.collection.create_index([("factory_id", 1)])
        await caps.collection.create_index([("status", 1)])
        await caps.collection.create_index([("next_overdue_deadline", 1)])
        await backfill_next_overdue_deadline(caps)
        await start_records(caps, datetime.now(UTC))
        await checkpoints.ensure_indexes()

    runtime.startup_hooks.append(prepare)
    return Adapters(caps=caps, rule_set_versions=runtime.store("rule_set_versions", RuleSetVersion),
                    chain_heads=MongoChainHeads(caps.collection), checkpoints=checkpoints, record_keys=record_keys)
