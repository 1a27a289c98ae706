"""Stand-in for two upstream steps whose HTTP endpoints are not on the platform yet.

Before an audit's report is accepted, audit-service must have learnt that the
factory submitted its Factory Profile (``FactoryProfileSubmitted``, from
factory-registry) and signed the Code of Conduct (``CodeOfConductSigned``, from
access-control). Until those services offer the endpoints (issue 3), the demo
and the tests publish these two events themselves, in the platform's envelope.
Replace ``factory_prepares_for_audit`` with the two API calls once they exist.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

REGISTRY_TOPIC = "ics.registry.v1"
ACCESS_TOPIC = "ics.access.v1"


def _envelope(event_type: str, producer: str, key: str, payload: dict) -> bytes:
    envelope = {
        "event_id": str(uuid.uuid4()), "type": event_type, "version": 1,
        "occurred_at": datetime.now(UTC).isoformat(), "producer": producer, "key": key,
        "correlation_id": None, "payload": payload,
    }
    return json.dumps(envelope).encode()


async def _publish(bootstrap: str, records: list[tuple[str, str, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for topic, key, value in records:
            await producer.send_and_wait(topic, value, key=key.encode())
    finally:
        await producer.stop()


def factory_prepares_for_audit(
    bootstrap: str, factory_id: str, factory_organisation_id: str, workforce: int, code_version: str = "2026-01"
) -> None:
    """The factory submits its profile (with its workforce) and signs the Code of Conduct."""
    profile = {"factory_id": factory_id, "profile_version": 1, "workforce_total": workforce}
    signed = {"organisation_id": factory_organisation_id, "code_version": code_version,
              "signed_by": "site manager", "signed_at": datetime.now(UTC).isoformat(), "factory_id": factory_id}
    asyncio.run(_publish(bootstrap, [
        (REGISTRY_TOPIC, factory_id, _envelope("FactoryProfileSubmitted", "factory-registry", factory_id, profile)),
        (ACCESS_TOPIC, factory_id, _envelope("CodeOfConductSigned", "access-control", factory_id, signed)),
    ]))
