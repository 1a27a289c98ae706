"""notifier's subscriptions in process: each event published through TestKafkaBroker reaches its handler."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from notifier.bootstrap import Adapters
from notifier.domain.channels import Preference, Recipient
from shared_audits.contracts import topics, wrap
from shared_audits.contracts.enums import LinkRelationship
from shared_audits.contracts.events import (
    AuditCompanyAccreditationChanged,
    CapClosed,
    CapItemAccepted,
    CapOpened,
    FactoriesMerged,
    FactoryLinked,
    FactoryUnlinked,
    MemberGroupDissolved,
    MemberGroupPublished,
    OpenedCapItem,
    UserInvited,
)
from shared_audits.contracts.events.cap import CapProgress
from shared_audits.member_groups import LINKED_MEMBER
from shared_audits.testing import InMemorySharedAdapters, RunningApp

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def linked(member_id: str, factory_id: str = "f-1") -> FactoryLinked:
    return FactoryLinked(member_id=member_id, factory_id=factory_id, relationship=LinkRelationship.SUPPLIER,
                         linked_at=NOW)


async def test_a_link_and_an_unlink_change_who_hears_of_the_site_and_reach_that_members_feed(
    app: RunningApp, shared: InMemorySharedAdapters, adapters: Adapters
) -> None:
    await app.publish(linked("m-1"), producer="access-control")
    assert await shared.links.factories_of("m-1") == ["f-1"]
    await app.publish(FactoryUnlinked(member_id="m-1", factory_id="f-1", unlinked_at=NOW), producer="access-control")
    assert await shared.links.factories_of("m-1") == []
    assert [envelope.type for envelope in adapters.feeds.topics["m-1"]] == ["FactoryLinked", "FactoryUnlinked"]


async def test_a_site_event_reaches_linked_members_feeds_and_its_cap_deadlines_are_followed(
    app: RunningApp, shared: InMemorySharedAdapters, adapters: Adapters
) -> None:
    await app.publish(linked("m-1"), producer="access-control")
    item = OpenedCapItem(item_id="i-1", finding_id="n-1", severity="major", description="Exit blocked",
                         recommended_action="Clear it", deadline=date(2026, 6, 1))
    await app.publish(CapOpened(cap_id="c-1", audit_id="a-1", factory_id="f-1", items=[item],
                                rule_set_version="2026.1"), producer="cap-service")
    await app.publish(CapClosed(cap_id="c-9", factory_id="f-2", closed_at=NOW), producer="cap-service")

    assert [envelope.type for envelope in adapters.feeds.topics["m-1"]] == ["FactoryLinked", "CapOpened"]
    assert adapters.deadlines.items["i-1"].deadline == date(2026, 6, 1)
    assert {factory_id for factory_id, _ in adapters.factory_log.envelopes.values()} == {"f-1", "f-2"}


async def test_member_groups_decide_whether_a_member_reads_another_ones_name(
    app: RunningApp, shared: InMemorySharedAdapters, adapters: Adapters
) -> None:
    for member_id in ("m-1", "m-2"):
        await app.publish(linked(member_id), producer="access-control")
    await app.publish(MemberGroupPublished(group_id="g-1", name="Brands together", member_ids=["m-1", "m-2"],
                                           published_at=NOW), producer="access-control")
    accepted = CapItemAccepted(cap_id="c-1", item_id="i-1", factory_id="f-1", member_id="m-2", decided_by="u-2",
                               comment="Fine", decided_at=NOW, progress=CapProgress(items_closed=1, items_total=1))
    await app.publish(accepted, producer="cap-service")
    await app.publish(MemberGroupDissolved(group_id="g-1", dissolved_at=NOW), producer="access-control")
    await app.publish(accepted.model_copy(update={"item_id": "i-2"}), producer="cap-service")

    told = [e.payload["member_id"] for e in adapters.feeds.topics["m-1"] if e.type == "CapItemAccepted"]
    assert told == ["m-2", LINKED_MEMBER]


async def test_a_merge_moves_what_members_were_told_to_the_surviving_site(
    app: RunningApp, shared: InMemorySharedAdapters, adapters: Adapters
) -> None:
    await app.publish(linked("m-1"), producer="access-control")
    await app.publish(FactoriesMerged(factory_id="f-2", merged_factory_id="f-1"), producer="factory-registry")
    assert await shared.merged_factories.surviving_id("f-1") == "f-2"
    assert {entry.factory_id for entry in adapters.inbox.entries.values()} == {"f-2"}


async def test_an_invitation_is_queued_for_the_invited_address_alone(app: RunningApp, adapters: Adapters) -> None:
    await app.publish(UserInvited(user_id="u-1", organisation_id="org-1", organisation_name="Shenzhen Garments Ltd",
                                  email="Lin@Factory.example", roles=["admin"], invited_by="Ana Admin",
                                  acceptance_token="one-time-token",  # noqa: S106 - a test value
                                  expires_at=datetime(2026, 5, 8, tzinfo=UTC)), producer="access-control")
    assert [(d.channel, d.target, d.event_type) for d in adapters.deliveries.items.values()] == [
        ("email", "lin@factory.example", "UserInvited")]


async def test_an_audit_companys_accreditation_is_queued_for_its_own_recipients(
    app: RunningApp, adapters: Adapters
) -> None:
    for company in ("ac-1", "ac-2"):
        await adapters.recipients.put(Recipient(member_id=company, email=f"desk@{company}.example",
                                                preference=Preference.IMMEDIATE, updated_at=NOW,
                                                audit_company_id=company))
    await app.publish(AuditCompanyAccreditationChanged(organisation_id="ac-1", status="suspended",
                                                       previous_status="accredited", reason="Copied reports",
                                                       changed_at=NOW), producer="access-control")
    assert [d.target for d in adapters.deliveries.items.values()] == ["desk@ac-1.example"]


async def test_a_bad_payload_goes_to_the_dead_letters_and_the_next_event_is_handled(
    app: RunningApp, shared: InMemorySharedAdapters, adapters: Adapters
) -> None:
    await app.publish(linked("m-1"), producer="access-control")
    for topic in (topics.ACCESS, topics.CAP):
        await app.publish_raw(topic.name, b'{"not": "an envelope"}')
    await app.publish(CapClosed(cap_id="c-1", factory_id="f-1", closed_at=NOW), producer="cap-service")

    assert [raw for raw, _ in shared.dead_letters.parked] == [b'{"not": "an envelope"}'] * 2
    assert [envelope.type for envelope in adapters.feeds.topics["m-1"]] == ["FactoryLinked", "CapClosed"]


async def test_a_payload_with_a_field_this_release_does_not_know_is_handled(
    app: RunningApp, shared: InMemorySharedAdapters, adapters: Adapters
) -> None:
    await app.publish(linked("m-1"), producer="access-control")
    envelope = json.loads(wrap(CapClosed(cap_id="c-1", factory_id="f-1", closed_at=NOW),
                               producer="cap-service").model_dump_json())
    envelope["payload"]["closing_note"] = "All items verified"  # added by a newer cap-service

    await app.publish_raw(topics.CAP.name, json.dumps(envelope).encode(), key="f-1")

    assert shared.dead_letters.parked == []
    assert [envelope.type for envelope in adapters.feeds.topics["m-1"]] == ["FactoryLinked", "CapClosed"]
