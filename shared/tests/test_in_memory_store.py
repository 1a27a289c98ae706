"""The in-memory aggregate store pages as the MongoDB one: by id, or by a field unique among the matches."""

from shared_audits.aggregate import Aggregate
from shared_audits.testing import InMemoryAggregateStore


class Version(Aggregate):
    item_id: str
    number: int


async def test_pages_follow_the_order_asked_for() -> None:
    store = InMemoryAggregateStore()
    for aggregate_id, number in (("c", 1), ("a", 2), ("b", 3)):
        await store.add(Version(id=aggregate_id, item_id="i-1", number=number))
    await store.add(Version(id="d", item_id="i-2", number=1))

    assert [v.id for v in await store.find(item_id="i-1")] == ["a", "b", "c"]
    assert [v.id for v in await store.find(limit=2, after="a", item_id="i-1")] == ["b", "c"]
    assert [v.number for v in await store.find(limit=2, order_by="number", item_id="i-1")] == [1, 2]
    assert [v.number for v in await store.find(after=2, order_by="number", item_id="i-1")] == [3]
