"""The outbox inside each aggregate document, and the relay that publishes it.

A state change and the events it raises are written in one single-document update:
the events wait in the document's ``outbox`` array. The store hands the entries it
wrote to the relay, which publishes them at once and then pulls them out by event id.
A sweep over an index of pending entries (at start, then every ``sweep_seconds``)
publishes what a crashed process or a failed publish left behind. A crash between
publish and pull only re-publishes; consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from faststream.kafka import KafkaBroker
from opentelemetry import context as otel_context
from opentelemetry import propagate
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from shared_audits.contracts.envelope import EventEnvelope, EventPayload, wrap
from shared_audits.kafka import enqueue_envelope
from shared_audits.scheduling import stop_task

logger = logging.getLogger(__name__)

OUTBOX_FIELD = "outbox"
# The index the sweep reads: only documents with pending entries are in it (sparse).
PENDING_INDEX = f"{OUTBOX_FIELD}.event_id"
# Documents published side by side in one pass (each document's events stay in order).
PUBLISH_CONCURRENCY = 64

OutboxEntry = dict[str, Any]


def outbox_entries(
    events: list[EventPayload], *, producer: str, correlation_id: str | None = None
) -> list[OutboxEntry]:
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
    """Publishes the outbox entries of some collections, then removes them."""

    def __init__(
        self, broker: KafkaBroker, collections: list[AsyncCollection], sweep_seconds: float = 15.0
    ) -> None:
        self._broker = broker
        self._collections = collections
        self._sweep_seconds = sweep_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Handed over by this process's writes, per document in write order.
        self._handed: dict[tuple[str, Any], tuple[AsyncCollection, list[OutboxEntry]]] = {}
        # Event ids handed over or being published here: a sweep leaves them to the hand-over path.
        self._claimed: set[str] = set()
        self._gate = asyncio.Semaphore(PUBLISH_CONCURRENCY)
        # Per collection: the documents the last sweep found with events it could not publish
        # (0 after a sweep that published everything; a lower bound when the sweep failed).
        self.backlog: dict[str, int] = {}

    def watch(self, collection: AsyncCollection) -> None:
        """Publish the outbox of this collection's documents too."""
        self._collections.append(collection)

    def hand_over(self, collection: AsyncCollection, document_id: Any, entries: list[OutboxEntry]) -> None:
        """Entries a write just committed: published on the relay's next pass, without reading them back."""
        self._handed.setdefault((collection.full_name, document_id), (collection, []))[1].extend(entries)
        self._claimed.update(entry["event_id"] for entry in entries)
        self._wake.set()

    async def ensure_indexes(self) -> None:
        for collection in self._collections:
            await collection.create_index(PENDING_INDEX, sparse=True, name="outbox_pending")

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        await stop_task(self._task)
        # Publish what is still pending so a clean shutdown leaves nothing behind.
        try:
            await self.publish_handed_over()
            await self.drain_once()
        except Exception:  # noqa: BLE001 - the next start's sweep will pick it up
            logger.warning("outbox not fully drained at shutdown", exc_info=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = loop.time()  # a full sweep at start: what a crash left behind
        while True:
            if not self._handed:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, next_sweep - loop.time()))
                except TimeoutError:
                    pass
            self._wake.clear()
            try:
                await self.publish_handed_over()
                if loop.time() >= next_sweep:
                    await self.drain_once()
                    next_sweep = loop.time() + self._sweep_seconds
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - broker or database away: the sweep retries from the database
                logger.warning("outbox relay could not publish; will retry", exc_info=True)
                next_sweep = min(next_sweep, loop.time() + 1.0)

    async def publish_handed_over(self) -> int:
        """Publish what writes of this process handed over since the last pass; returns how many."""
        handed, self._handed = self._handed, {}
        if not handed:
            return 0
        try:
            return await self._publish_documents(
                [(collection, document_id, entries) for (_, document_id), (collection, entries) in handed.items()]
            )
        finally:
            for _, entries in handed.values():
                self._claimed.difference_update(entry["event_id"] for entry in entries)

    async def drain_once(self) -> int:
        """Publish every pending entry not claimed by this process's hand-overs; returns how many."""
        published = 0
        for collection in self._collections:
            found: list[tuple[AsyncCollection, Any, list[OutboxEntry]]] = []
            self.backlog[collection.name] = 0
            cursor = collection.find({PENDING_INDEX: {"$exists": True}}, {OUTBOX_FIELD: 1})
            async for document in cursor:
                entries = [e for e in document.get(OUTBOX_FIELD) or [] if e["event_id"] not in self._claimed]
                if entries:
                    found.append((collection, document["_id"], entries))
            self.backlog[collection.name] = len(found)
            published += await self._publish_documents(found)
            self.backlog[collection.name] = 0
        return published

    async def _publish_documents(self, documents: list[tuple[AsyncCollection, Any, list[OutboxEntry]]]) -> int:
        """Publish each document's entries in order (documents side by side), then pull what was published."""
        results = await asyncio.gather(*(self._publish_entries(entries) for _, _, entries in documents),
                                       return_exceptions=True)
        pulls: dict[str, tuple[AsyncCollection, list[UpdateOne]]] = {}
        for (collection, document_id, _), result in zip(documents, results, strict=True):
            published_ids = result[0] if isinstance(result, tuple) else []
            if published_ids:
                pull = UpdateOne({"_id": document_id},
                                 {"$pull": {OUTBOX_FIELD: {"event_id": {"$in": published_ids}}}})
                pulls.setdefault(collection.full_name, (collection, []))[1].append(pull)
        for collection, updates in pulls.values():
            await collection.bulk_write(updates, ordered=False)
        failures = [result for result in results if isinstance(result, BaseException)]
        failures += [result[1] for result in results if isinstance(result, tuple) and result[1] is not None]
        if failures:
            raise failures[0]
        return sum(len(result[0]) for result in results if isinstance(result, tuple))

    async def _publish_entries(self, entries: list[OutboxEntry]) -> tuple[list[str], BaseException | None]:
        """The ids published, in order, and the error that stopped the rest (None: all went)."""
        acks: list[asyncio.Future] = []
        error: BaseException | None = None
        async with self._gate:
            for entry in entries:  # enqueued in order, then every ack awaited
                try:
                    envelope = EventEnvelope.model_validate(entry["envelope"])
                    token = otel_context.attach(propagate.extract(entry.get("trace") or {}))
                    try:
                        acks.append(await enqueue_envelope(self._broker, entry["topic"], envelope))
                    finally:
                        otel_context.detach(token)
                except Exception as failure:  # noqa: BLE001 - what was published is still pulled
                    error = failure
                    break
            results = await asyncio.gather(*acks, return_exceptions=True)
        published: list[str] = []
        for entry, result in zip(entries, results, strict=False):
            if isinstance(result, BaseException):
                return published, result
            published.append(entry["event_id"])
        return published, error
