"""The aggregate store and outbox relay against the real MongoDB-protocol server and Kafka."""

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from opentelemetry.sdk.trace import TracerProvider
from pymongo import AsyncMongoClient

from shared_audits.aggregate import Aggregate
from shared_audits.contracts.events import FactoryRegistered
from shared_audits.errors import ConflictError
from shared_audits.kafka import build_broker
from shared_audits.outbox import OutboxRelay
from shared_audits.store import MongoAggregateStore
from tests.integration.stack import Stack

# Needs SecantusDB and Kafka (the stack fixture starts them): an integration test, as its neighbours are.
pytestmark = pytest.mark.integration


class Counter(Aggregate):
    value: int = 0


@pytest.fixture
async def collection(stack: Stack):
    client = AsyncMongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000)
    collection = client["shared_tests"][f"counters_{uuid.uuid4().hex[:8]}"]
    yield collection
    await collection.drop()
    await client.close()


async def test_concurrent_saves_of_one_aggregate_never_lose_an_update(collection) -> None:
    store = MongoAggregateStore(collection, Counter, "test")
    await store.add(Counter(id="c"))

    async def increment() -> None:
        while True:
            counter = await store.get("c")
            counter.value += 1
            try:
                await store.save(counter)
                return
            except ConflictError:
                continue  # someone else won: read again

    await asyncio.gather(*(increment() for _ in range(50)))
    stored = await store.get("c")
    assert (stored.value, stored.version) == (50, 51)


async def test_the_relay_publishes_pending_events_and_removes_exactly_those(stack: Stack, collection) -> None:
    factory_id = str(uuid.uuid4())
    broker = build_broker(stack.kafka_bootstrap, TracerProvider(), "relay-test")
    relay = OutboxRelay(broker, [collection])
    await relay.ensure_indexes()
    store = MongoAggregateStore(collection, Counter, "test", relay)
    counter = Counter(id=factory_id)
    counter.record(FactoryRegistered(factory_id=factory_id, name="Relay test site", country="PT"))
    await store.add(counter)
    with pytest.raises(Exception):  # the broker is not connected yet: the handed-over entry stays
        await relay.publish_handed_over()
    with pytest.raises(Exception):  # and the sweep finds it in the database
        await relay.drain_once()
    assert relay.backlog == {collection.name: 1}  # what the metrics report as the outbox backlog
    await broker.connect()
    try:
        # A save racing the sweep keeps its own event pending until the relay publishes it.
        counter.record(FactoryRegistered(factory_id=factory_id, name="Renamed", country="PT"))
        await asyncio.gather(relay.drain_once(), store.save(counter))
        assert await relay.publish_handed_over() == 1
    finally:
        await broker.stop()
    assert relay.backlog == {collection.name: 0}
    assert (await collection.find_one({"_id": factory_id}))["outbox"] == []
    assert (await store.get(factory_id)).version == 2
    plan = await collection.find({"outbox.event_id": {"$exists": True}}).explain()
    assert "IXSCAN" in str(plan["queryPlanner"]["winningPlan"])  # the sweep reads the pending index

    consumer = AIOKafkaConsumer("ics.registry.v1", bootstrap_servers=stack.kafka_bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    names = []
    try:
        async with asyncio.timeout(20):
            while len(names) < 2:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    names += [r.value for r in records if factory_id.encode() in r.value]
    finally:
        await consumer.stop()
    assert len(names) == 2


class Site(Aggregate):
    factory_id: str


async def test_reassigning_a_field_moves_documents_in_bulk_and_a_stale_save_conflicts(collection) -> None:
    store = MongoAggregateStore(collection, Site, "test")
    for index in range(5):
        await store.add(Site(id=f"s-{index}", factory_id="f-old" if index % 2 == 0 else "f-new"))
    stale = await store.get("s-0")

    assert await store.reassign("factory_id", "f-old", "f-new") == 3
    assert await store.reassign("factory_id", "f-old", "f-new") == 0

    assert {site.factory_id for site in await store.find()} == {"f-new"}
    with pytest.raises(ConflictError):
        await store.save(stale)  # it read the old site: it must read again, not write the old id back
