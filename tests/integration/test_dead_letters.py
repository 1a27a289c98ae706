"""Poison events land in each consuming service's dead-letter topic with the reason; consumers go on."""

import asyncio
import json
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared_audits_client.story import Cast, walk_skeleton
from tests.integration.stack import Stack


async def _publish(bootstrap: str, topic: str, key: bytes, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def _dead_letters_with(bootstrap: str, topic: str, marker: str, expected: int, timeout: float = 30) -> list[dict]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    found: list[dict] = []
    try:
        async with asyncio.timeout(timeout):
            while len(found) < expected:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    entries = (json.loads(record.value) for record in records)
                    found += [entry for entry in entries if marker in entry["original"]]
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return found


def test_poison_events_are_parked_with_their_reason_and_the_consumer_goes_on(stack: Stack, cast: Cast) -> None:
    marker = uuid.uuid4().hex
    unknown_version = {
        "event_id": str(uuid.uuid4()), "type": "CapOpened", "version": 99, "occurred_at": "2026-01-01T00:00:00Z",
        "producer": "test", "key": marker, "correlation_id": None, "payload": {"marker": marker},
    }
    bad_payload = {**unknown_version, "event_id": str(uuid.uuid4()), "version": 1}
    poison = [f"not json {marker}".encode(), json.dumps(unknown_version).encode(), json.dumps(bad_payload).encode()]
    asyncio.run(_publish(stack.kafka_bootstrap, "ics.cap.v1", marker.encode(), poison))

    parked = asyncio.run(_dead_letters_with(stack.kafka_bootstrap, "ics.deadletter.evidence-store.v1", marker, 3))
    reasons = sorted(entry["reason"].split(":")[0] for entry in parked)
    assert reasons == ["invalid CapOpened payload", "invalid envelope", "unknown event CapOpened v99"]
    assert all(entry["source_topic"] == "ics.cap.v1" and entry["service"] == "evidence-store" for entry in parked)

    # The same consumers still carry the story: evidence-store needs CapOpened, notifier everything.
    run = walk_skeleton(cast)
    assert run.cap_seen_by_b["progress"] == {"items_closed": 1, "items_total": 1}
