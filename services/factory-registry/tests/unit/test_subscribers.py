"""factory-registry's subscriptions in process: each event published through TestKafkaBroker reaches its projection."""

from __future__ import annotations

from datetime import UTC, datetime

import json

from shared_audits.contracts import topics
from shared_audits.contracts.envelope import wrap
from shared_audits.contracts.enums import LinkRelationship
from shared_audits.contracts.events import FactoriesMerged, FactoryLinked, FactoryUnlinked
from shared_audits.testing import InMemorySharedAdapters
from shared_audits.testing.app import RunningApp

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def test_a_member_sees_a_site_from_its_link_until_its_unlink(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    await app.publish(FactoryLinked(member_id="m-1", factory_id="f-1", relationship=LinkRelationship.SUPPLIER,
                                    linked_at=NOW), producer="access-control")
    assert await shared.links.factories_of("m-1") == ["f-1"]
    await app.publish(FactoryUnlinked(member_id="m-1", factory_id="f-1", unlinked_at=NOW), producer="access-control")
    assert await shared.links.factories_of("m-1") == []


async def test_a_merge_is_known_to_the_merged_ids_map(app: RunningApp, shared: InMemorySharedAdapters) -> None:
    await app.publish(FactoriesMerged(factory_id="f-2", merged_factory_id="f-1"), producer="factory-registry")
    assert await shared.merged_factories.surviving_id("f-1") == "f-2"


async def test_a_bad_payload_goes_to_the_dead_letters(app: RunningApp, shared: InMemorySharedAdapters) -> None:
    await app.publish_raw(topics.ACCESS.name, b'{"not": "an envelope"}')
    assert [raw for raw, _ in shared.dead_letters.parked] == [b'{"not": "an envelope"}']


async def test_a_link_from_a_newer_producer_with_a_field_unknown_here_is_applied(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    envelope = wrap(FactoryLinked(member_id="m-1", factory_id="f-1", relationship=LinkRelationship.SUPPLIER,
                                  linked_at=NOW), producer="access-control").model_dump(mode="json")
    envelope["payload"]["consented_by"] = "someone"  # an optional field a later version of the payload adds
    await app.publish_raw(topics.ACCESS.name, json.dumps(envelope).encode(), key="f-1")
    assert await shared.links.factories_of("m-1") == ["f-1"]
    assert shared.dead_letters.parked == []
