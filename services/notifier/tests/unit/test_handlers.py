"""notifier's fan-out over in-memory fakes: linked members only, late links caught up."""

from datetime import UTC, date, datetime, timedelta

import pytest

from notifier.service_layer.handlers import NotifierHandlers
from shared_audits.contracts import wrap
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import (
    AuditReportOverdue,
    CapClosed,
    FactoryLinked,
    FactoryUnlinked,
    LinkRequestAccepted,
    LinkRequestDeclined,
    LinkRequested,
    OrganisationRegistered,
)
from shared_audits.errors import PermissionDeniedError
from shared_audits.testing import factory_account, member

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def envelope_at(event, moment: datetime) -> EventEnvelope:
    return wrap(event, producer="test").model_copy(update={"occurred_at": moment})


async def test_an_event_reaches_only_members_linked_to_its_factory(notifier: NotifierHandlers) -> None:
    event = CapClosed(cap_id="c", factory_id="f-1", closed_at=NOW)
    await notifier.fan_out(event, envelope_at(event, NOW))
    assert notifier.feeds.delivered == [("m-a", "CapClosed")]


async def test_redelivery_does_not_publish_twice(notifier: NotifierHandlers) -> None:
    event = CapClosed(cap_id="c", factory_id="f-1", closed_at=NOW)
    envelope = envelope_at(event, NOW)
    await notifier.fan_out(event, envelope)
    await notifier.fan_out(event, envelope)
    assert notifier.feeds.delivered == [("m-a", "CapClosed")]


async def test_a_link_handled_late_still_brings_what_happened_after_it(notifier: NotifierHandlers) -> None:
    before = CapClosed(cap_id="c-old", factory_id="f-1", closed_at=NOW)
    after = CapClosed(cap_id="c-new", factory_id="f-1", closed_at=NOW)
    await notifier.fan_out(before, envelope_at(before, NOW - timedelta(days=1)))
    await notifier.fan_out(after, envelope_at(after, NOW + timedelta(seconds=1)))
    link = FactoryLinked(member_id="m-c", factory_id="f-1", relationship="supplier", linked_at=NOW)
    notifier.links.links.add(("m-c", "f-1"))  # the projection handler runs first
    await notifier.fan_out(link, envelope_at(link, NOW))
    received_by_c = [e.payload.get("cap_id") for e in notifier.inbox.entries.values() if e.member_id == "m-c"]
    assert sorted(filter(None, received_by_c)) == ["c-new"]


async def test_the_unlinked_member_is_told_and_then_hears_nothing_more(notifier: NotifierHandlers) -> None:
    unlinked = FactoryUnlinked(member_id="m-a", factory_id="f-1", unlinked_at=NOW)
    notifier.links.links.discard(("m-a", "f-1"))
    await notifier.fan_out(unlinked, envelope_at(unlinked, NOW))
    later = CapClosed(cap_id="c", factory_id="f-1", closed_at=NOW)
    await notifier.fan_out(later, envelope_at(later, NOW + timedelta(seconds=1)))
    assert notifier.feeds.delivered == [("m-a", "FactoryUnlinked")]
    assert (await notifier.inbox_of(member("m-a"), 10))[0] == []


async def test_events_about_no_factory_reach_no_feed(notifier: NotifierHandlers) -> None:
    event = OrganisationRegistered(organisation_id="o", name="Brand", kind="member")
    await notifier.fan_out(event, envelope_at(event, NOW))
    assert notifier.feeds.delivered == []


async def test_the_inbox_is_for_members(notifier: NotifierHandlers) -> None:
    with pytest.raises(PermissionDeniedError):
        (await notifier.inbox_of(factory_account("f-1"), 10))[0]


async def test_a_batch_reaches_each_linked_member_in_order_with_one_feed_call_each(notifier: NotifierHandlers) -> None:
    feeds = CountingFeeds()
    notifier.feeds = feeds
    events = [CapClosed(cap_id=f"c-{n}", factory_id=factory, closed_at=NOW)
              for n, factory in enumerate(["f-1", "f-2", "f-1", "f-3"])]
    batch = [(event, wrap(event, producer="test")) for event in events]
    await notifier.fan_out_batch(batch)
    await notifier.fan_out_batch(batch)  # redelivered whole: nothing twice
    assert feeds.calls == {"m-a": [["c-0", "c-2"]], "m-b": [["c-1"]]}
    assert len(notifier.inbox.entries) == 3


class CountingFeeds:
    def __init__(self) -> None:
        self.calls: dict[str, list[list[str]]] = {}

    async def deliver_many(self, member_id: str, envelopes: list[EventEnvelope]) -> None:
        self.calls.setdefault(member_id, []).append([envelope.payload["cap_id"] for envelope in envelopes])


def report_overdue(member_id: str, factory_id: str = "f-1") -> AuditReportOverdue:
    return AuditReportOverdue(audit_id="a-1", factory_id=factory_id, member_id=member_id, audit_company_id="ac-1",
                              window_ends_on=date(2026, 4, 1), due_on=date(2026, 4, 15), timing_rules_version="2026.1")


async def test_an_overdue_report_reaches_only_the_member_that_mandated_the_audit(notifier: NotifierHandlers) -> None:
    notifier.links.links.add(("m-c", "f-1"))  # another member linked to the same site
    overdue = report_overdue("m-a")
    await notifier.fan_out_batch([(overdue, envelope_at(overdue, NOW))])
    assert notifier.feeds.delivered == [("m-a", "AuditReportOverdue")]
    assert [entry.event_type for entry in (await notifier.inbox_of(member("m-a"), 10))[0]] == ["AuditReportOverdue"]
    assert (await notifier.inbox_of(member("m-c"), 10))[0] == []


async def test_an_overdue_report_is_not_caught_up_by_another_member_linking_late(notifier: NotifierHandlers) -> None:
    overdue = report_overdue("m-a")
    await notifier.fan_out(overdue, envelope_at(overdue, NOW + timedelta(seconds=1)))
    link = FactoryLinked(member_id="m-c", factory_id="f-1", relationship="supplier", linked_at=NOW)
    notifier.links.links.add(("m-c", "f-1"))
    await notifier.fan_out(link, envelope_at(link, NOW))
    assert ("m-c", "AuditReportOverdue") not in notifier.feeds.delivered


async def test_an_overdue_report_for_a_member_no_longer_linked_reaches_nobody(notifier: NotifierHandlers) -> None:
    overdue = report_overdue("m-b", factory_id="f-1")  # m-b is linked to f-2 only
    await notifier.fan_out(overdue, envelope_at(overdue, NOW))
    assert notifier.feeds.delivered == []


def link_requested(member_id: str, factory_id: str = "f-1") -> LinkRequested:
    return LinkRequested(request_id="r-1", member_id=member_id, factory_id=factory_id, relationship="supplier",
                         requested_at=NOW)


async def test_a_link_request_and_its_decline_reach_the_requesting_member_alone(notifier: NotifierHandlers) -> None:
    requested = link_requested("m-c")  # m-a is linked to f-1: it must not learn that m-c asks
    declined = LinkRequestDeclined(request_id="r-1", member_id="m-c", factory_id="f-1", declined_at=NOW,
                                   declined_by="factory", message="We do not supply this brand.")
    await notifier.fan_out_batch([(requested, envelope_at(requested, NOW)),
                                  (declined, envelope_at(declined, NOW + timedelta(seconds=1)))])
    assert notifier.feeds.delivered == [("m-c", "LinkRequested"), ("m-c", "LinkRequestDeclined")]


async def test_an_accepted_request_is_told_to_its_member_and_to_no_member_linking_later(
    notifier: NotifierHandlers,
) -> None:
    accepted = LinkRequestAccepted(request_id="r-1", member_id="m-c", factory_id="f-1", relationship="supplier",
                                   accepted_at=NOW, accepted_by="operator", reason="The factory asked by phone.")
    await notifier.fan_out_batch([(accepted, envelope_at(accepted, NOW + timedelta(seconds=1)))])
    link = FactoryLinked(member_id="m-d", factory_id="f-1", relationship="supplier", linked_at=NOW)
    notifier.links.links.add(("m-d", "f-1"))
    await notifier.fan_out(link, envelope_at(link, NOW))
    assert ("m-c", "LinkRequestAccepted") in notifier.feeds.delivered
    assert all(event_type != "LinkRequestAccepted" for member_id, event_type in notifier.feeds.delivered
               if member_id != "m-c")
