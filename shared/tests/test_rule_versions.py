"""Rule sets published as versions: the newest is in force, the shipped ones are stored once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import BaseModel

from shared_audits.contracts.events import DeadlineRulesVersionPublished
from shared_audits.errors import NotFoundError
from shared_audits.rule_versions import RuleSetVersion, VersionedRuleSets, version_key
from shared_audits.testing import InMemoryAggregateStore, operator


class Limits(BaseModel):
    version: str
    days: int


def announced(version: RuleSetVersion, previous: str | None) -> DeadlineRulesVersionPublished:
    return DeadlineRulesVersionPublished(version=version.rule_version, previous_version=previous,
                                         content=version.content, published_at=version.published_at)


def test_versions_compare_number_by_number() -> None:
    assert version_key("2026.10") > version_key("2026.9") > version_key("2026.1.3") > version_key("2026.1")


async def test_the_newest_version_is_in_force_and_the_shipped_one_is_stored_once() -> None:
    store = InMemoryAggregateStore()
    rule_sets = VersionedRuleSets(store, {"limits": Limits}, announced, cache_seconds=60)
    for _ in range(2):  # two instances starting
        await rule_sets.seed({"limits": Limits(version="2026.9", days=30)})
    assert await rule_sets.versions_in_force() == {"limits": "2026.9"}

    await rule_sets.publish(operator(), "limits", {"version": "2026.10", "days": 20})

    assert await rule_sets.versions_in_force() == {"limits": "2026.10"}  # not the minute-old reading
    assert (await rule_sets.rules("limits")).days == 20 and (await rule_sets.rules("limits", "2026.9")).days == 30
    assert [stored.rule_version for stored in await rule_sets.history("limits")] == ["2026.10", "2026.9"]
    assert [event.previous_version for event in store.published] == ["2026.9"]  # the seed is not announced
    with pytest.raises(NotFoundError):
        await rule_sets.rules("limits", "2027.1")


async def test_the_version_in_force_at_a_moment_is_the_newest_published_by_then() -> None:
    rule_sets = VersionedRuleSets(InMemoryAggregateStore(), {"limits": Limits}, announced, cache_seconds=0)
    await rule_sets.seed({"limits": Limits(version="2026.9", days=30)})
    [shipped] = await rule_sets.history("limits")
    newer = await rule_sets.publish(operator(), "limits", {"version": "2026.10", "days": 20})

    assert await rule_sets.version_in_force_at("limits", newer.published_at) == "2026.10"
    assert await rule_sets.version_in_force_at("limits", newer.published_at - timedelta(microseconds=1)) == "2026.9"
    # An audit mandated before the service stored its shipped rules was mandated under them.
    assert await rule_sets.version_in_force_at("limits", shipped.published_at - timedelta(days=400)) == "2026.9"
