"""Benchmark 1: member A accepts a CAP item -> member B's feed receives it; beside the raw Kafka round trip."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.lean_http import LeanHttpClient
from bench.measure import IN_FLIGHT, Latencies, paced
from bench.world import World
from shared_audits.contracts import topics

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


@dataclass
class Reach:
    """When the decisions reached B's feed, counted from the first decision sent."""

    received: int
    expected: int
    last_after_s: float  # the last one to arrive
    within: dict[str, int]  # "<n>s": how many had arrived n seconds after the first was sent

    @property
    def sustained_per_s(self) -> float:
        """Decisions per second reaching B's feed over the whole run: the rate the platform carries."""
        return round(self.received / self.last_after_s, 1) if self.last_after_s else 0.0

    def summary(self) -> dict:
        return {"received": self.received, "expected": self.expected, "last_after_s": round(self.last_after_s, 2),
                "within": self.within, "sustained_per_s": self.sustained_per_s}


@dataclass
class PropagationRun:
    """One load level: latency to B's feed, and of each hop on the way, all counted from the scheduled send."""

    on_feed: Latencies  # POST scheduled -> CapItemAccepted on B's feed (the benchmark's figure)
    answered: Latencies  # -> cap-service's 200 through the gateway (the decision is committed)
    on_cap_topic: Latencies  # -> the event on ics.cap.v1 (cap-service's outbox relay)
    statuses: dict[int, int]
    reach: Reach


async def platform_propagation(world: World, rate: float, seconds: float, grace: float = 10.0) -> PropagationRun:
    """Decide ``rate * seconds`` items at ``rate``/s; latency = POST sent -> CapItemAccepted on B's feed.

    Each hop is timed too (the answer, the cap topic, B's feed), so a slow run says where it
    waited; and when the decisions arrived: how many within the run plus ``grace`` seconds."""
    items = world.take(int(rate * seconds))
    wanted = {item for _, item in items}
    sent_at: dict[str, float] = {}
    answered_at: dict[str, float] = {}
    arrived: dict[str, dict[str, float]] = {"cap": {}, "feed": {}}
    statuses: dict[int, int] = {}
    bootstrap = world.stack.kafka_bootstrap
    consumers = {"cap": await _latest_consumer(bootstrap, topics.CAP.name),
                 "feed": await _latest_consumer(bootstrap, topics.member_feed_topic(world.member_b).name)}

    async def receive(hop: str) -> None:
        consumer, received_at = consumers[hop], arrived[hop]
        while len(received_at) < len(wanted):
            for records in (await consumer.getmany(timeout_ms=200)).values():
                now = time.time()
                for record in records:
                    envelope = json.loads(record.value)
                    item_id = envelope["payload"].get("item_id")
                    if envelope["type"] == "CapItemAccepted" and item_id in wanted:
                        received_at.setdefault(item_id, now)

    receivers = [asyncio.create_task(receive(hop)) for hop in consumers]
    async with LeanHttpClient(world.stack.gateway_url, connections=IN_FLIGHT) as http:

        async def decide(index: int, scheduled: float) -> None:
            cap_id, item_id = items[index]
            sent_at[item_id] = scheduled
            try:
                response = await http.post(f"/caps/caps/{cap_id}/items/{item_id}/decisions",
                                           json={"decision": "accept", "comment": "bench"},
                                           headers={"Authorization": world.token()})
                status = response.status_code
            except ConnectionError:
                status = 0
            if status == 200:
                answered_at[item_id] = time.time()
            statuses[status] = statuses.get(status, 0) + 1

        elapsed = await paced(rate, len(items), decide)
    try:
        await asyncio.wait_for(asyncio.gather(*receivers), timeout=120)
    except TimeoutError:
        pass
    finally:
        for consumer in consumers.values():
            await consumer.stop()

    def since_sent(moments: dict[str, float]) -> Latencies:
        return Latencies([(moment - sent_at[item]) * 1000 for item, moment in moments.items()], len(items), elapsed)

    first_sent = min(sent_at.values(), default=0.0)
    arrivals = [moment - first_sent for moment in arrived["feed"].values()]
    reach = Reach(len(arrivals), len(items), max(arrivals, default=0.0),
                  {f"{limit:g}s": sum(a <= limit for a in arrivals) for limit in (seconds, seconds + grace)})
    return PropagationRun(since_sent(arrived["feed"]), since_sent(answered_at), since_sent(arrived["cap"]),
                          statuses, reach)


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
