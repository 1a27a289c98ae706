"""The inbox and the delivery log, a page at a time, in the real MongoDB-protocol server: every entry once, in order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient

from notifier.adapters.deliveries import MongoDeliveries
from notifier.adapters.inbox import MongoInbox
from notifier.domain.channels import Channel, Delivery, DeliveryStatus
from notifier.domain.model import InboxEntry
from tests.integration.stack import Stack

pytestmark = pytest.mark.integration

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
# Seven moments, three of them shared by two entries: ties are paged by id, none lost or repeated.
MOMENTS = [NOW, NOW, NOW + timedelta(minutes=1), NOW + timedelta(minutes=2), NOW + timedelta(minutes=2),
           NOW + timedelta(minutes=3), NOW + timedelta(minutes=3)]


@pytest.fixture
async def database(stack: Stack):
    client = AsyncMongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000, tz_aware=True)
    name = f"notifier_paging_{uuid.uuid4().hex[:8]}"
    yield client[name]
    await client.drop_database(name)
    await client.close()


async def pages(read, limit: int) -> list[list[str]]:  # noqa: ANN001 - (limit, after) -> ids
    found, after = [], None
    while True:
        ids = await read(limit + 1, after)
        found.append(ids[:limit])
        if len(ids) <= limit:
            return found
        after = ids[limit - 1]


async def test_the_inbox_pages_newest_first_with_ties_by_event_id(database) -> None:
    inbox = MongoInbox(database["inbox"])
    await inbox.ensure_indexes()
    entries = [InboxEntry(member_id="m-a", factory_id="f-1", event_id=f"e-{n}", event_type="CapClosed",
                          occurred_at=moment, payload={}) for n, moment in enumerate(MOMENTS)]
    await inbox.put_many([*entries, entries[0].model_copy(update={"member_id": "m-b"})])

    async def read(limit: int, after: str | None) -> list[str]:
        return [entry.event_id for entry in await inbox.latest("m-a", ["f-1"], limit, after)]

    assert await pages(read, 3) == [["e-6", "e-5", "e-4"], ["e-3", "e-2", "e-1"], ["e-0"]]
    assert await read(3, "e-unknown") == []


async def test_the_delivery_log_pages_newest_first_with_ties_by_id(database) -> None:
    deliveries = MongoDeliveries(database["deliveries"])
    await deliveries.ensure_indexes()
    await deliveries.enqueue_many([
        Delivery(delivery_id=f"webhook:w-1:e-{n}", channel=Channel.WEBHOOK, member_id="m-a", factory_id="f-1",
                 target="w-1", event_id=f"e-{n}", event_type="CapClosed", envelope={}, status=DeliveryStatus.PENDING,
                 next_attempt_at=moment, created_at=moment)
        for n, moment in enumerate(MOMENTS)
    ])

    async def read(limit: int, after: str | None) -> list[str]:
        return [delivery.delivery_id for delivery in await deliveries.of_member("m-a", limit, after)]

    assert [[delivery_id.removeprefix("webhook:w-1:") for delivery_id in page] for page in await pages(read, 2)] == [
        ["e-6", "e-5"], ["e-4", "e-3"], ["e-2", "e-1"], ["e-0"]]
    assert await deliveries.of_member("m-b", 5, "webhook:w-1:e-3") == []  # another's cursor finds nothing
