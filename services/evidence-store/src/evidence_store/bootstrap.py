"""Composition root of evidence-store: the one place that chooses the adapters, the subscriptions and the jobs."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor
from shared_audits.contracts import topics
from shared_audits.contracts.enums import ClientScope
from shared_audits.contracts.events import CapItemAccepted, CapItemRejected, CapOpened, FactoriesMerged
from shared_audits.http import ServiceScopes
from shared_audits.runtime import ServiceRuntime, SharedAdapters, build_runtime, create_app
from shared_audits.scheduling import PeriodicJob

from evidence_store.adapters.cap_items import MongoCapItems
from evidence_store.adapters.object_store import EvidenceBucket
from evidence_store.config import Settings
from evidence_store.domain.model import Evidence
from evidence_store.domain.upload import UploadSession
from evidence_store.entrypoints.http.routes import router
from evidence_store.service_layer.handlers import EvidenceHandlers
from evidence_store.service_layer.merges import SiteMerges
from evidence_store.service_layer.ports import CapItems, EvidenceStore, ObjectStore, UploadStore

PREFIX = "/evidence"


@dataclass
class Adapters:
    """Every adapter the handlers need. ``build_app`` builds the real ones (MongoDB, the S3 bucket)
    unless given these; ``shared``: the runtime's own (links, merges, member groups, relay...),
    the unit tests' ``InMemorySharedAdapters``."""

    evidence: EvidenceStore
    uploads: UploadStore
    objects: ObjectStore
    cap_items: CapItems
    shared: SharedAdapters | None = None


def build_app(
    settings: Settings | None = None,
    adapters: Adapters | None = None,
    span_processors: list[SpanProcessor] | None = None,
) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(settings, produced_topics=[topics.EVIDENCE], span_processors=span_processors,
                            shared=adapters.shared if adapters else None)
    adapters = adapters or _real_adapters(runtime, settings)
    handlers = EvidenceHandlers(
        evidence=adapters.evidence,
        uploads=adapters.uploads,
        objects=adapters.objects,
        cap_items=adapters.cap_items,
        links=runtime.links,
        max_upload_bytes=settings.max_upload_bytes,
        allowed_types=settings.allowed_types,
        download_url_seconds=settings.download_url_seconds,
        upload_url_seconds=settings.upload_url_seconds,
    )

    # Subscriptions (the topics consumed follow from them). First the projections every service
    # keeps: FactoryLinked/FactoryUnlinked (who may see a site), the member groups, FactoriesMerged.
    runtime.follow_links_groups_and_merges()
    runtime.consumer.on(CapOpened, adapters.cap_items.apply_opened)  # which factory each CAP item belongs to
    runtime.consumer.on(CapItemAccepted, handlers.note_decision)
    runtime.consumer.on(CapItemRejected, handlers.note_decision)
    runtime.consumer.on(FactoriesMerged, SiteMerges(adapters.evidence, adapters.uploads, adapters.cap_items).apply_merged)

    # Jobs.
    abandoned_uploads = PeriodicJob("abandoned-uploads", settings.upload_cleanup_seconds,
                                    handlers.expire_abandoned_uploads)
    runtime.startup_hooks.append(abandoned_uploads.start)
    runtime.shutdown_hooks.append(abandoned_uploads.stop)
    runtime.readiness_checks["bucket"] = adapters.objects.check

    app = create_app(
        runtime,
        title="evidence-store",
        prefix=PREFIX,
        routers=[router],
        client_scopes=ServiceScopes(read=ClientScope.EVIDENCE_READ),
    )
    app.state.evidence_handlers = handlers
    return app


def _real_adapters(runtime: ServiceRuntime, settings: Settings) -> Adapters:
    """MongoDB stores and projections, the S3 bucket; their indexes and the bucket are made at start."""
    assert runtime.database is not None
    evidence = runtime.store("evidence", Evidence)
    uploads = runtime.store("uploads", UploadSession)
    bucket = EvidenceBucket.from_settings(settings)
    cap_items = MongoCapItems(runtime.database["cap_items"])

    async def prepare() -> None:
        await bucket.ensure_bucket()
        # A resubmission is a new version; two uploads can never claim the same one. It also
        # serves the reads of an item's versions (cap_id, item_id).
        await evidence.collection.create_index(
            [("cap_id", 1), ("item_id", 1), ("version_number", 1)], unique=True, name="one_evidence_per_version"
        )
        await uploads.collection.create_index([("status", 1), ("_id", 1)])  # the clean-up job's pages of pending uploads
        for store in (evidence, uploads):  # a merge re-points a site's records
            await store.collection.create_index([("factory_id", 1)])
        await cap_items.ensure_indexes()

    runtime.startup_hooks.append(prepare)
    return Adapters(evidence=evidence, uploads=uploads, objects=bucket, cap_items=cap_items)
