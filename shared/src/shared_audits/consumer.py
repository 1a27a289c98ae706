"""Idempotent event consumption with a dead-letter topic for what cannot be handled.

Every service consumes through one ``EventConsumer``: it validates the envelope
and the versioned payload, skips events already handled (their ids are kept
under a unique index), runs the handlers and only then records the id. The
Kafka offset is committed after that (FastStream's NACK_ON_ERROR policy), so a
crash re-delivers instead of losing. Invalid events go to the service's
dead-letter topic with the reason, and consumption goes on.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy
from prometheus_client import Counter
from pydantic import ValidationError
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from shared_audits.contracts import UnknownEventError, decode
from shared_audits.contracts.envelope import EventEnvelope, EventPayload
from shared_audits.contracts.topics import TopicSpec, dead_letter_topic
from shared_audits.errors import InvalidEventError

logger = logging.getLogger(__name__)

EventHandler = Callable[[Any, EventEnvelope], Awaitable[None]]
# Rewrites a decoded payload before the handlers see it (e.g. a merged factory id to the surviving one).
PayloadTranslator = Callable[[EventPayload], Awaitable[EventPayload]]

# A handler that failed for a passing reason (database away) is retried after this pause.
RETRY_PAUSE_SECONDS = 1.0


@dataclass(frozen=True)
class DeliveredRecord:
    """Where a record came from, for the dead-letter entry."""

    topic: str
    partition: int
    offset: int
    key: str | None


class ProcessedEvents:
    """Ids of the events a service has handled; ``_id`` is unique by construction."""

    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def seen(self, event_id: str) -> bool:
        return await self._collection.find_one({"_id": event_id}, {"_id": 1}) is not None

    async def record(self, envelope: EventEnvelope) -> None:
        try:
            await self._collection.insert_one(
                {"_id": str(envelope.event_id), "type": envelope.type, "handled_at": datetime.now(UTC)}
            )
        except DuplicateKeyError:
            pass  # another instance handled it in the same moment: same effect


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
    async def seen(self, event_id: str) -> bool: ...
    async def record(self, envelope: EventEnvelope) -> None: ...


class DeadLetterSink(Protocol):
    topic: TopicSpec

    async def park(self, raw: bytes, record: DeliveredRecord, reason: str) -> None: ...


class EventConsumer:
    """Dispatches validated events to the handlers registered for their type."""

    def __init__(self, processed: ProcessedLog, dead_letters: DeadLetterSink) -> None:
        self._processed = processed
        self._dead_letters = dead_letters
        self._handlers: dict[str, list[EventHandler]] = {}
        self._translators: list[PayloadTranslator] = []

    def translate_with(self, translator: PayloadTranslator) -> None:
        """Every payload passes through ``translator`` before its handlers run."""
        self._translators.append(translator)

    def on(self, payload_type: type[EventPayload], handler: EventHandler) -> None:
        self._handlers.setdefault(payload_type.TYPE, []).append(handler)

    @property
    def dead_letter_topic(self) -> TopicSpec:
        return self._dead_letters.topic

    @property
    def handled_types(self) -> set[str]:
        return set(self._handlers)

    async def handle(self, raw: bytes, record: DeliveredRecord) -> None:
        try:
            envelope = EventEnvelope.model_validate_json(raw)
        except ValidationError as error:
            await self._dead_letters.park(raw, record, f"invalid envelope: {_summary(error)}")
            return
        handlers = self._handlers.get(envelope.type)
        if not handlers:
            return  # an event this service does not listen to shares the topic
        try:
            payload = decode(envelope)
        except UnknownEventError as error:
            await self._dead_letters.park(raw, record, str(error))
            return
        except ValidationError as error:
            await self._dead_letters.park(raw, record, f"invalid {envelope.type} payload: {_summary(error)}")
            return
        if await self._processed.seen(str(envelope.event_id)):
            return
        try:
            for translator in self._translators:
                payload = await translator(payload)
            for handler in handlers:
                await handler(payload, envelope)
        except InvalidEventError as error:
            await self._dead_letters.park(raw, record, f"{envelope.type} refused: {error}")
            return
        except Exception:
            logger.exception("event handler failed; the event will be redelivered", extra={"type": envelope.type})
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            raise
        await self._processed.record(envelope)


def _summary(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in error.errors()[:5])


def subscribe(broker: KafkaBroker, consumer: EventConsumer, topics: list[TopicSpec], group_id: str) -> None:
    """Attach the consumer to its topics in the service's consumer group.

    Offsets are committed after the handler returns; an exception rewinds to the
    record so it is delivered again.
    """

    @broker.subscriber(
        *[topic.name for topic in topics],
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
    )
    async def on_record(message: KafkaMessage) -> None:
        raw_record = message.raw_message
        key = raw_record.key.decode("utf-8", errors="replace") if raw_record.key else None
        await consumer.handle(
            message.body, DeliveredRecord(raw_record.topic, raw_record.partition, raw_record.offset, key)
        )
