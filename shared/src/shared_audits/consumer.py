"""Idempotent event consumption in batches, with a dead-letter topic for what cannot be handled.

Every service consumes through one ``EventConsumer``. A batch of records is
validated (envelope and versioned payload), the events already handled are
skipped with one look-up for the whole batch (their ids are kept under the unique
``_id``), the handlers run, and only then are the new ids recorded, with one bulk
insert. The Kafka offsets are committed after that (FastStream's NACK_ON_ERROR
policy; a failed batch rewinds each partition to its first record), so a crash
re-delivers instead of losing. Invalid events go to the service's dead-letter topic
with the reason, and consumption goes on.

Handlers take one event (``on``) or a run of events (``on_batch``: projections and
fan-outs that write in bulk). A run is a stretch of consecutive events that only
batch handlers take, the same ones; an event with a one-at-a-time handler is a run
of its own, so it sees everything before it applied (merges, links).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy
from prometheus_client import Counter
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Tracer
from pydantic import ValidationError
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from shared_audits.contracts import UnknownEventError, decode, read_envelope
from shared_audits.contracts.envelope import EventEnvelope, EventPayload
from shared_audits.contracts.topics import TopicSpec, dead_letter_topic
from shared_audits.errors import InvalidEventError
from shared_audits.telemetry import handling_events

logger = logging.getLogger(__name__)

EventHandler = Callable[[Any, EventEnvelope], Awaitable[None]]
HandledEvent = tuple[Any, EventEnvelope]
BatchHandler = Callable[[list[HandledEvent]], Awaitable[None]]
# Rewrites a decoded payload before the handlers see it (e.g. a merged factory id to the surviving one).
PayloadTranslator = Callable[[EventPayload], Awaitable[EventPayload]]

# A handler that failed for a passing reason (database away) is retried after this pause.
RETRY_PAUSE_SECONDS = 1.0
# Records taken from Kafka at most per batch.
MAX_BATCH_RECORDS = 500
DUPLICATE_KEY = 11000


@dataclass(frozen=True)
class DeliveredRecord:
    """Where a record came from, for the dead-letter entry, and the trace it carried."""

    topic: str
    partition: int
    offset: int
    key: str | None
    headers: Mapping[str, str] = field(default_factory=dict)


class ProcessedEvents:
    """Ids of the events a service has handled; ``_id`` is unique by construction."""

    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def seen_among(self, event_ids: Sequence[str]) -> set[str]:
        cursor = self._collection.find({"_id": {"$in": list(event_ids)}}, {"_id": 1})
        return {document["_id"] async for document in cursor}

    async def record_all(self, envelopes: Sequence[EventEnvelope]) -> None:
        now = datetime.now(UTC)
        documents = [{"_id": str(e.event_id), "type": e.type, "handled_at": now} for e in envelopes]
        try:
            await self._collection.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            # Another instance handled some of them in the same moment: same effect.
            if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
                raise


class DeadLetters:
    def __init__(self, broker: KafkaBroker, service: str, parked: Counter | None = None) -> None:
        self._broker = broker
        self._service = service
        self._parked = parked
        self.topic = dead_letter_topic(service)

    async def park(self, raw: bytes, record: DeliveredRecord, reason: str) -> None:
        logger.warning("event sent to dead-letter topic", extra={"reason": reason, "source_topic": record.topic})
        entry = {
            "reason": reason,
            "service": self._service,
            "source_topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "key": record.key,
            "dead_lettered_at": datetime.now(UTC).isoformat(),
            "original": raw.decode("utf-8", errors="replace"),
        }
        await self._broker.publish(
            json.dumps(entry).encode(),
            self.topic.name,
            key=record.key.encode() if record.key else None,
            headers={"content-type": "application/json", "dead-letter-reason": reason[:500]},
        )
        if self._parked is not None:
            self._parked.labels(record.topic).inc()


class ProcessedLog(Protocol):
    async def seen_among(self, event_ids: Sequence[str]) -> set[str]: ...
    async def record_all(self, envelopes: Sequence[EventEnvelope]) -> None: ...


class DeadLetterSink(Protocol):
    topic: TopicSpec

    async def park(self, raw: bytes, record: DeliveredRecord, reason: str) -> None: ...


@dataclass(frozen=True)
class _Registered:
    handler: EventHandler | BatchHandler
    batch: bool


@dataclass
class _Pending:
    """A valid event of this batch, not handled before."""

    raw: bytes
    record: DeliveredRecord
    payload: Any
    envelope: EventEnvelope
    handlers: tuple[_Registered, ...]


class EventConsumer:
    """Dispatches validated events to the handlers registered for their type."""

    def __init__(self, processed: ProcessedLog, dead_letters: DeadLetterSink, tracer: Tracer | None = None) -> None:
        self._processed = processed
        self._dead_letters = dead_letters
        self._tracer = tracer or trace.get_tracer(__name__)
        self._handlers: dict[str, list[_Registered]] = {}
        self._topics: list[TopicSpec] = []
        self._translators: list[PayloadTranslator] = []

    def translate_with(self, translator: PayloadTranslator) -> None:
        """Every payload passes through ``translator`` before its handlers run."""
        self._translators.append(translator)

    def on(self, payload_type: type[EventPayload], handler: EventHandler) -> None:
        self._handlers.setdefault(payload_type.TYPE, []).append(_Registered(handler, batch=False))
        self._note_topic(payload_type)

    def on_batch(self, payload_types: Sequence[type[EventPayload]], handler: BatchHandler) -> None:
        """``handler`` takes runs of these events in order; it must be idempotent (a failed run is retried whole)."""
        for payload_type in payload_types:
            self._handlers.setdefault(payload_type.TYPE, []).append(_Registered(handler, batch=True))
            self._note_topic(payload_type)

    def _note_topic(self, payload_type: type[EventPayload]) -> None:
        if payload_type.TOPIC not in self._topics:
            self._topics.append(payload_type.TOPIC)

    @property
    def topics(self) -> list[TopicSpec]:
        """The topics of the events subscribed to, in the order of the first subscription to each."""
        return list(self._topics)

    @property
    def dead_letter_topic(self) -> TopicSpec:
        return self._dead_letters.topic

    @property
    def handled_types(self) -> set[str]:
        return set(self._handlers)

    async def handle(self, raw: bytes, record: DeliveredRecord) -> None:
        await self.handle_batch([(raw, record)])

    async def handle_batch(self, records: Sequence[tuple[bytes, DeliveredRecord]]) -> None:
        """Handle records in order; raises (after recording what was handled) when one must be redelivered."""
        pending = await self._decode_new(records)
        handled: list[EventEnvelope] = []
        try:
            for run in _runs(pending):
                handled += await self._handle_run(run)
        except Exception:
            logger.exception("event handler failed; the batch will be redelivered")
            if handled:
                await self._processed.record_all(handled)
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            raise
        if handled:
            await self._processed.record_all(handled)

    async def _decode_new(self, records: Sequence[tuple[bytes, DeliveredRecord]]) -> list[_Pending]:
        decoded: list[_Pending] = []
        for raw, record in records:
            try:
                envelope = read_envelope(raw)
            except ValidationError as error:
                await self._dead_letters.park(raw, record, f"invalid envelope: {_summary(error)}")
                continue
            handlers = self._handlers.get(envelope.type)
            if not handlers:
                continue  # an event this service does not listen to shares the topic
            try:
                payload = decode(envelope)
            except UnknownEventError as error:
                await self._dead_letters.park(raw, record, str(error))
                continue
            except ValidationError as error:
                await self._dead_letters.park(raw, record, f"invalid {envelope.type} payload: {_summary(error)}")
                continue
            # Handlers (and what they pass on: feeds, webhooks) see only the fields this code knows.
            envelope = envelope.model_copy(update={"payload": payload.model_dump(mode="json", exclude_unset=True)})
            decoded.append(_Pending(raw, record, payload, envelope, tuple(handlers)))
        if not decoded:
            return []
        seen = await self._processed.seen_among([str(event.envelope.event_id) for event in decoded])
        fresh: list[_Pending] = []
        for event in decoded:
            event_id = str(event.envelope.event_id)
            if event_id not in seen:
                fresh.append(event)
                seen.add(event_id)  # the same event twice in one batch is handled once
        return fresh

    async def _handle_run(self, run: list[_Pending]) -> list[EventEnvelope]:
        """The envelopes handled; a refused event is parked, not recorded (a replay may succeed)."""
        for event in run:
            for translator in self._translators:
                event.payload = await translator(event.payload)
        try:
            with self._traced(run):
                await self._dispatch(run)
            return [event.envelope for event in run]
        except InvalidEventError as error:
            if len(run) == 1:
                await self._refuse(run[0], error)
                return []
        handled = []
        for event in run:  # find the ones refused; the handlers are idempotent
            try:
                await self._dispatch([event])
                handled.append(event.envelope)
            except InvalidEventError as single_error:
                await self._refuse(event, single_error)
        return handled

    def _traced(self, run: list[_Pending]) -> ExitStack:
        """A consumer span per event, in the trace its record carried.

        One event alone runs in its span (what its handler writes, its outbox, continues the
        trace); a batch handler finds each event's context through ``event_context``.
        """
        stack = ExitStack()
        contexts = {}
        for event in run:
            span = self._tracer.start_span(f"{event.record.topic} handle {event.envelope.type}",
                                           kind=SpanKind.CONSUMER,
                                           context=propagate.extract(dict(event.record.headers)))
            stack.callback(span.end)
            contexts[str(event.envelope.event_id)] = trace.set_span_in_context(span)
        if len(run) == 1:
            stack.enter_context(trace.use_span(span))
        stack.enter_context(handling_events(contexts))
        return stack

    @staticmethod
    async def _dispatch(run: list[_Pending]) -> None:
        for registered in run[0].handlers:
            if registered.batch:
                await registered.handler([(event.payload, event.envelope) for event in run])
            else:
                for event in run:
                    await registered.handler(event.payload, event.envelope)

    async def _refuse(self, event: _Pending, error: InvalidEventError) -> None:
        await self._dead_letters.park(event.raw, event.record, f"{event.envelope.type} refused: {error}")


def _runs(events: list[_Pending]) -> list[list[_Pending]]:
    """Consecutive events taken by the same batch handlers only; any other event alone."""
    runs: list[list[_Pending]] = []
    for event in events:
        batchable = all(registered.batch for registered in event.handlers)
        if runs and batchable and runs[-1][0].handlers == event.handlers:
            runs[-1].append(event)
        else:
            runs.append([event])
    return runs


def _summary(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in error.errors()[:5])


def subscribe(broker: KafkaBroker, consumer: EventConsumer, topics: list[TopicSpec], group_id: str) -> None:
    """Attach the consumer to its topics in the service's consumer group, taking records in batches.

    Offsets are committed after the handlers return; an exception rewinds every
    partition of the batch to its first record so the batch is delivered again.
    """

    @broker.subscriber(
        *[topic.name for topic in topics],
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        batch=True,
        max_records=MAX_BATCH_RECORDS,
    )
    async def on_records(message: KafkaMessage) -> None:
        records = []
        for raw_record in message.raw_message:
            key = raw_record.key.decode("utf-8", errors="replace") if raw_record.key else None
            headers = {name: value.decode("utf-8", errors="replace") for name, value in raw_record.headers or ()}
            records.append((raw_record.value or b"",
                            DeliveredRecord(raw_record.topic, raw_record.partition, raw_record.offset, key, headers)))
        await consumer.handle_batch(records)
