"""Kafka plumbing: the broker, topic creation and publishing envelopes with trace context."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.security import BaseSecurity, SASLScram512
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import TracerProvider

from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.topics import TopicSpec
from shared_audits.telemetry import event_context

logger = logging.getLogger(__name__)


def build_broker(
    bootstrap: str, tracer_provider: TracerProvider, client_id: str, client_options: dict[str, Any] | None = None
) -> KafkaBroker:
    """One broker (one producer, shared consumers) per process, traced with W3C headers."""
    return KafkaBroker(
        bootstrap,
        security=_security(client_options or {}),
        client_id=client_id,
        middlewares=[KafkaTelemetryMiddleware(tracer_provider=tracer_provider)],
        # Wait for the broker's acknowledgement: an outbox entry is removed only after it.
        acks="all",
        enable_idempotence=True,
        logger=logging.getLogger(f"faststream.{client_id}"),
        # "Received" / "Processed" for every record: debug detail, not an operator's log.
        log_level=logging.DEBUG,
    )


def _security(options: dict[str, Any]) -> BaseSecurity | None:
    """FastStream's form of the aiokafka SASL options (``ServiceSettings.kafka_client_options``)."""
    if not options:
        return None
    return SASLScram512(
        username=options["sasl_plain_username"],
        password=options["sasl_plain_password"],
        use_ssl=options["security_protocol"] == "SASL_SSL",
        ssl_context=options.get("ssl_context"),
    )


async def ensure_topics(
    bootstrap: str, specs: list[TopicSpec], client_options: dict[str, Any] | None = None
) -> None:
    """Create the topics a service uses, with explicit partition counts (no auto-creation).

    In a cluster the topics are declared as Strimzi KafkaTopics; then none is missing.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="topic-admin", **(client_options or {}))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = {spec.name: spec for spec in specs if spec.name not in existing}
        if not missing:
            return
        try:
            await admin.create_topics(
                [NewTopic(name=s.name, num_partitions=s.partitions, replication_factor=1) for s in missing.values()]
            )
        except TopicAlreadyExistsError:
            pass  # another instance created it first
        logger.info("created topics", extra={"topics": sorted(missing)})
    finally:
        await admin.close()


async def enqueue_envelope(
    broker: KafkaBroker, topic: str, envelope: EventEnvelope, headers: dict[str, str] | None = None
) -> asyncio.Future:
    """Hand one envelope to the producer; the returned future resolves with the broker's ack.

    Records enqueued one after another keep their order (the producer is idempotent),
    so a caller can enqueue a run of events and then wait for all the acks at once.
    """
    return await broker.publish(
        envelope.model_dump_json().encode(),
        topic,
        key=envelope.key.encode(),
        headers={"content-type": "application/json", "event-type": envelope.type, **(headers or {})},
        correlation_id=envelope.correlation_id or str(envelope.event_id),
        no_confirm=True,
    )


async def publish_envelopes(broker: KafkaBroker, topic: str, envelopes: Sequence[EventEnvelope]) -> None:
    """Publish envelopes in order to one topic and wait for every ack.

    An envelope consumed in the batch being handled is published in its own trace.
    """
    acks = []
    for envelope in envelopes:
        trace_context = event_context(str(envelope.event_id))
        token = otel_context.attach(trace_context) if trace_context is not None else None
        try:
            acks.append(await enqueue_envelope(broker, topic, envelope))
        finally:
            if token is not None:
                otel_context.detach(token)
    await asyncio.gather(*acks)
