"""The outbox inside each aggregate document, and the relay that publishes it.

FerretDB v1 has no multi-document transactions, so a state change and the
events it raises are written in one single-document update: the events wait in
the document's ``outbox`` array. The relay publishes them and then pulls them
out. A crash between the two only re-publishes; consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from faststream.kafka import KafkaBroker
from opentelemetry import context as otel_context
from opentelemetry import propagate
from pymongo.asynchronous.collection import AsyncCollection

from shared_audits.contracts.envelope import EventEnvelope, EventPayload, wrap
from shared_audits.document_locks import DOCUMENT_LOCKS
from shared_audits.kafka import publish_envelope

logger = logging.getLogger(__name__)

OUTBOX_FIELD = "outbox"


def outbox_entries(
    events: list[EventPayload], *, producer: str, correlation_id: str | None = None
) -> list[dict[str, Any]]:
    """Envelopes ready to be pushed into an aggregate's outbox, with the caller's trace context."""
    trace_carrier: dict[str, str] = {}
    propagate.inject(trace_carrier)
    entries = []
    for event in events:
        envelope = wrap(event, producer=producer, correlation_id=correlation_id)
        entries.append(
            {
                "event_id": str(envelope.event_id),
                "topic": event.TOPIC.name,
                "envelope": envelope.model_dump(mode="json"),
                "trace": trace_carrier,
            }
        )
    return entries


class OutboxRelay:
    """Publishes pending outbox entries of some collections, then removes them.

    ``notify(collection, id)`` wakes it right after a write so that document's events
    leave at once, read by ``_id``. A full sweep (at start, then every ``sweep_seconds``)
    picks up what a crashed process (or another instance) left behind. Only the sweep
    scans whole collections: FerretDB v1 answers an ``outbox.0`` filter by decoding
    every document, which took tens of seconds per pass once CAPs held thousands of
    items, when every write triggered one.
    """

    def __init__(
        self, broker: KafkaBroker, collections: list[AsyncCollection], sweep_seconds: float = 1.0
    ) -> None:
        self._broker = broker
        self._collections = collections
        self._sweep_seconds = sweep_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._written: dict[str, tuple[AsyncCollection, set[Any]]] = {}
        # Per collection: the documents the last sweep found with events it could not publish
        # (0 after a sweep that published everything; a lower bound when the sweep failed).
        self.backlog: dict[str, int] = {}

    def watch(self, collection: AsyncCollection) -> None:
        """Publish the outbox of this collection's documents too."""
        self._collections.append(collection)

    def notify(self, collection: AsyncCollection | None = None, document_id: Any = None) -> None:
        """Wake the relay; with a document, publish that document's outbox without a sweep."""
        if collection is not None:
            self._written.setdefault(collection.full_name, (collection, set()))[1].add(document_id)
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        # Publish what is still pending so a clean shutdown leaves nothing behind.
        try:
            await self.drain_once()
        except Exception:  # noqa: BLE001 - the next start's sweep will pick it up
            logger.warning("outbox not fully drained at shutdown", exc_info=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = loop.time()  # a full sweep at start: what a crash left behind
        while True:
            timeout = max(0.0, next_sweep - loop.time())
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                if loop.time() >= next_sweep:
                    self._written.clear()
                    await self.drain_once()
                    next_sweep = loop.time() + self._sweep_seconds
                else:
                    await self._drain_written()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - broker or database away; retry on next sweep
                logger.warning("outbox relay could not publish; will retry", exc_info=True)
                next_sweep = min(next_sweep, loop.time() + 1.0)

    async def _drain_written(self) -> int:
        """Publish the outboxes of the documents written since the last pass, each read by ``_id``."""
        written, self._written = self._written, {}
        published = 0
        for collection, ids in written.values():
            for document_id in ids:
                document = await collection.find_one({"_id": document_id}, {OUTBOX_FIELD: 1})
                if document and document.get(OUTBOX_FIELD):
                    published += await self._publish_document(collection, document)
        return published

    async def drain_once(self) -> int:
        """Publish every pending entry once; returns how many were published."""
        published = 0
        for collection in self._collections:
            unpublished = 0
            try:
                cursor = collection.find({f"{OUTBOX_FIELD}.0": {"$exists": True}}, {OUTBOX_FIELD: 1})
                async for document in cursor:
                    unpublished += 1
                    published += await self._publish_document(collection, document)
                    unpublished -= 1
            finally:
                self.backlog[collection.name] = unpublished
        return published

    async def _publish_document(self, collection: AsyncCollection, document: dict[str, Any]) -> int:
        published: list[dict[str, Any]] = []
        try:
            for entry in document.get(OUTBOX_FIELD) or []:
                envelope = EventEnvelope.model_validate(entry["envelope"])
                token = otel_context.attach(propagate.extract(entry.get("trace") or {}))
                try:
                    await publish_envelope(self._broker, entry["topic"], envelope)
                finally:
                    otel_context.detach(token)
                published.append(entry)
        finally:
            if published:
                # Remove exactly the entries published (FerretDB v1's $pull matches whole
                # values only); entries pushed meanwhile stay for the next pass.
                async with DOCUMENT_LOCKS.hold(collection.full_name, document["_id"]):
                    await collection.update_one({"_id": document["_id"]}, {"$pullAll": {OUTBOX_FIELD: published}})
        return len(published)
