"""Benchmark 1: member A accepts a CAP item -> member B's feed receives it; beside the raw Kafka round trip."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.measure import IN_FLIGHT, Latencies, paced
from bench.world import World

RAW_TOPIC = "bench.roundtrip.v1"


async def _latest_consumer(bootstrap: str, topic: str) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest",
                                enable_auto_commit=False, fetch_max_wait_ms=5)
    await consumer.start()
    while not consumer.assignment():
        await asyncio.sleep(0.05)
    await consumer.seek_to_end()
    for partition in consumer.assignment():  # resolve the end offsets now, before anything is sent
        await consumer.position(partition)
    return consumer


async def platform_propagation(world: World, rate: float, seconds: float) -> tuple[Latencies, dict[int, int]]:
    """Decide ``rate * seconds`` items at ``rate``/s; latency = POST sent -> CapItemAccepted on B's feed."""
    items = world.take(int(rate * seconds))
    wanted = {item for _, item in items}
    sent_at: dict[str, float] = {}
    received_at: dict[str, float] = {}
    statuses: dict[int, int] = {}
    consumer = await _latest_consumer(world.stack.kafka_bootstrap, f"ics.feed.{world.member_b}.v1")

    async def receive() -> None:
        while len(received_at) < len(wanted):
            for records in (await consumer.getmany(timeout_ms=200)).values():
                now = time.time()
                for record in records:
                    envelope = json.loads(record.value)
                    item_id = envelope["payload"].get("item_id")
                    if envelope["type"] == "CapItemAccepted" and item_id in wanted:
                        received_at.setdefault(item_id, now)

    receiver = asyncio.create_task(receive())
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(base_url=world.stack.gateway_url, limits=limits, timeout=60) as http:

        async def decide(index: int, scheduled: float) -> None:
            cap_id, item_id = items[index]
            sent_at[item_id] = scheduled
            try:
                response = await http.post(f"/caps/caps/{cap_id}/items/{item_id}/decisions",
                                           json={"decision": "accept", "comment": "bench"},
                                           headers={"Authorization": world.token()})
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            statuses[status] = statuses.get(status, 0) + 1

        elapsed = await paced(rate, len(items), decide)
    try:
        await asyncio.wait_for(receiver, timeout=120)
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    latencies = [(received_at[item] - sent_at[item]) * 1000 for item in received_at]
    return Latencies(latencies, len(items), elapsed), statuses


async def raw_round_trip(bootstrap: str, rate: float, seconds: float) -> Latencies:
    """The same rate of 1 KiB records through aiokafka alone: produce -> consume on the same broker."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if RAW_TOPIC not in await admin.list_topics():
            await admin.create_topics([NewTopic(RAW_TOPIC, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()
    consumer = await _latest_consumer(bootstrap, RAW_TOPIC)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await producer.start()
    run = uuid.uuid4().hex
    count = int(rate * seconds)
    latencies: list[float] = []

    async def receive() -> None:
        while len(latencies) < count:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                now = time.time()
                for record in records:
                    body = json.loads(record.value)
                    if body["run"] == run:
                        latencies.append((now - body["sent_at"]) * 1000)

    receiver = asyncio.create_task(receive())

    async def send(index: int, scheduled: float) -> None:
        body = {"run": run, "sent_at": scheduled, "pad": "x" * 1000}
        await producer.send_and_wait(RAW_TOPIC, json.dumps(body).encode(), key=str(index % 6).encode())

    try:
        elapsed = await paced(rate, count, send)
        await asyncio.wait_for(receiver, timeout=60)
    except TimeoutError:
        pass
    finally:
        await producer.stop()
        await consumer.stop()
    return Latencies(latencies, count, elapsed)
