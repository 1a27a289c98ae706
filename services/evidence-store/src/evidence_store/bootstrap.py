"""Composition root of evidence-store."""

from fastapi import FastAPI
from shared_audits.contracts import topics
from shared_audits.contracts.enums import ClientScope
from shared_audits.contracts.events import CapItemAccepted, CapItemRejected, CapOpened, FactoriesMerged
from shared_audits.http import ServiceScopes
from shared_audits.runtime import build_runtime, create_app
from shared_audits.scheduling import PeriodicJob

from evidence_store.adapters.cap_items import MongoCapItems
from evidence_store.adapters.object_store import EvidenceBucket
from evidence_store.config import Settings
from evidence_store.domain.model import Evidence
from evidence_store.domain.upload import UploadSession
from evidence_store.entrypoints.http.routes import router
from evidence_store.service_layer.handlers import EvidenceHandlers
from evidence_store.service_layer.merges import SiteMerges

PREFIX = "/evidence"


def build_app(settings: Settings | None = None, span_processors: list | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(
        settings, produced_topics=[topics.EVIDENCE], consumed_topics=[topics.CAP], span_processors=span_processors
    )
    # The projections every service keeps: links and member groups (access-control), merged ids (registry).
    runtime.follow_links_groups_and_merges()
    evidence = runtime.store("evidence", Evidence)
    uploads = runtime.store("uploads", UploadSession)
    bucket = EvidenceBucket.from_settings(settings)
    cap_items = MongoCapItems(runtime.database["cap_items"])
    handlers = EvidenceHandlers(
        evidence=evidence,
        objects=bucket,
        cap_items=cap_items,
        links=runtime.links,
        max_upload_bytes=settings.max_upload_bytes,
        allowed_types=settings.allowed_types,
        download_url_seconds=settings.download_url_seconds,
        uploads=uploads,
        upload_url_seconds=settings.upload_url_seconds,
    )
    runtime.consumer.on(CapOpened, cap_items.apply_opened)
    runtime.consumer.on(CapItemAccepted, handlers.note_decision)
    runtime.consumer.on(CapItemRejected, handlers.note_decision)
    runtime.consumer.on(FactoriesMerged, SiteMerges(evidence, uploads, cap_items).apply_merged)
    runtime.readiness_checks["bucket"] = bucket.check

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

    abandoned_uploads = PeriodicJob("abandoned-uploads", settings.upload_cleanup_seconds,
                                    handlers.expire_abandoned_uploads)
    runtime.startup_hooks += [prepare, abandoned_uploads.start]
    runtime.shutdown_hooks.append(abandoned_uploads.stop)
    app = create_app(
        runtime,
        title="evidence-store",
        prefix=PREFIX,
        routers=[router],
        client_scopes=ServiceScopes(read=ClientScope.EVIDENCE_READ),
    )
    app.state.evidence_handlers = handlers
    return app
