"""A merge of two sites moves the inbox entries and the factory event log to the survivor."""

from datetime import UTC, datetime

from notifier.service_layer.merges import SiteMerges
from shared_audits.contracts import wrap
from shared_audits.contracts.events import CapClosed, FactoriesMerged
from shared_audits.testing import member

NOW = datetime(2026, 5, 1, tzinfo=UTC)
MERGE = FactoriesMerged(factory_id="f-2", merged_factory_id="f-1")


async def test_what_a_member_was_told_about_the_merged_site_shows_under_the_survivor(notifier) -> None:
    closed = CapClosed(cap_id="c", factory_id="f-1", closed_at=NOW)
    await notifier.fan_out(closed, wrap(closed, producer="test").model_copy(update={"occurred_at": NOW}))
    merges = SiteMerges(notifier.inbox, notifier.factory_log)

    await merges.apply_merged(MERGE, wrap(MERGE, producer="factory-registry"))
    await merges.apply_merged(MERGE, wrap(MERGE, producer="factory-registry"))
    notifier.links.links = {("m-a", "f-2"), ("m-b", "f-2")}  # access-control's events moved the link

    [entry] = (await notifier.inbox_of(member("m-a"), 10))[0]
    assert (entry.factory_id, entry.event_type) == ("f-2", "CapClosed")
    assert (await notifier.inbox_of(member("m-b"), 10))[0] == []  # it was never told, and is not now
    assert [e.type for e in await notifier.factory_log.since("f-2", NOW)] == ["CapClosed"]
