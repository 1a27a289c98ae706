"""The member-factory link projection against the real MongoDB-protocol server."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from pymongo import AsyncMongoClient

from shared_audits.contracts.envelope import wrap
from shared_audits.contracts.events import FactoryLinked, FactoryUnlinked
from shared_audits.links import MongoLinkProjection
from shared_audits.testing import InMemoryLinkProjection
from tests.integration.stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture
async def collection(stack: Stack):
    client = AsyncMongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000)
    collection = client["shared_tests"][f"links_{uuid.uuid4().hex[:8]}"]
    yield collection
    await collection.drop()
    await client.close()


def _linked(member_id: str, factory_id: str) -> FactoryLinked:
    return FactoryLinked(member_id=member_id, factory_id=factory_id, relationship="supplier",
                         linked_at=datetime.now(UTC))


def _unlinked(member_id: str, factory_id: str) -> FactoryUnlinked:
    return FactoryUnlinked(member_id=member_id, factory_id=factory_id, unlinked_at=datetime.now(UTC))


async def _apply(projection, event) -> None:
    await projection.apply_changes([(event, wrap(event, producer="test"))])


async def test_links_and_unlinks_read_the_same_as_the_in_memory_twin(collection) -> None:
    mongo, twin = MongoLinkProjection(collection), InMemoryLinkProjection()
    await mongo.ensure_indexes()
    events = [_linked("m-a", "f-1"), _linked("m-b", "f-1"), _linked("m-a", "f-2"), _unlinked("m-b", "f-1"),
              _linked("m-b", "f-2"), _unlinked("m-a", "f-2"), _linked("m-a", "f-2")]
    for event in events:
        await _apply(mongo, event)
        await _apply(twin, event)
    for factory_id in ("f-1", "f-2", "f-3"):
        assert await mongo.members_of(factory_id) == await twin.members_of(factory_id)
    for member_id in ("m-a", "m-b", "m-c"):
        assert await mongo.factories_of(member_id) == await twin.factories_of(member_id)
        for factory_id in ("f-1", "f-2"):
            assert await mongo.is_linked(member_id, factory_id) == await twin.is_linked(member_id, factory_id)
    record = await collection.find_one({"_id": "m-a:f-2"})
    assert [change["linked"] for change in record["history"]] == [True, False, True]


async def test_a_redelivered_event_is_not_recorded_twice(collection) -> None:
    projection = MongoLinkProjection(collection)
    event = _linked("m-a", "f-1")
    envelope = wrap(event, producer="test")
    await projection.apply_changes([(event, envelope)])
    await projection.apply_changes([(event, envelope)])
    assert await projection.members_of("f-1") == ["m-a"]
    assert len((await collection.find_one({"_id": "m-a:f-1"}))["history"]) == 1


async def test_many_members_linking_one_factory_at_once_are_all_kept(collection) -> None:
    projection = MongoLinkProjection(collection)
    members = [f"m-{index:02d}" for index in range(30)]
    await asyncio.gather(*(_apply(projection, _linked(member, "f-1")) for member in members))
    assert await projection.members_of("f-1") == members


async def test_documents_of_the_earlier_layout_are_dropped_on_start(collection) -> None:
    # Given link records beside the per-factory and per-member documents an earlier version kept
    await collection.insert_many([
        {"_id": "m-a:f-1", "member_id": "m-a", "factory_id": "f-1", "linked": True},
        {"_id": "m-b:f-1", "member_id": "m-b", "factory_id": "f-1", "linked": False},
        {"_id": "m-b:f-2", "member_id": "m-b", "factory_id": "f-2", "linked": True},
        {"_id": "factory:f-1", "members": ["m-a", "m-b"]},
        {"_id": "member:m-b", "factories": ["f-1", "f-2"]},
        {"_id": "schema:links", "version": 2},
    ])
    projection = MongoLinkProjection(collection)
    # When the service starts
    await projection.ensure_indexes()
    # Then the reads answer as the link records say, and only link records are left
    assert await projection.members_of("f-1") == ["m-a"]
    assert await projection.factories_of("m-b") == ["f-2"]
    assert await projection.is_linked("m-b", "f-2")
    assert not await projection.is_linked("m-b", "f-1")
    assert await collection.count_documents({}) == 3


async def test_a_batch_of_changes_to_one_link_is_applied_in_order(collection) -> None:
    projection = MongoLinkProjection(collection)
    changes = [_linked("m-a", "f-1"), _unlinked("m-a", "f-1"), _linked("m-a", "f-1"), _unlinked("m-a", "f-1")]
    batch = [(event, wrap(event, producer="test")) for event in changes]
    await projection.apply_changes(batch)
    await projection.apply_changes(batch)  # the whole batch redelivered
    assert not await projection.is_linked("m-a", "f-1")
    assert await projection.members_of_many(["f-1"]) == {}
    record = await collection.find_one({"_id": "m-a:f-1"})
    assert [change["linked"] for change in record["history"]] == [True, False, True, False]
