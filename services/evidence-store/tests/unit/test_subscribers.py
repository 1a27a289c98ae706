"""Each subscription of evidence-store takes its event through TestKafkaBroker; a bad payload is a dead letter."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from shared_audits.contracts import wrap
from shared_audits.contracts.enums import FindingSeverity, LinkRelationship
from shared_audits.contracts.events import (
    CapItemAccepted,
    CapItemRejected,
    CapOpened,
    FactoriesMerged,
    FactoryLinked,
    FactoryUnlinked,
    MemberGroupDissolved,
    MemberGroupPublished,
)
from shared_audits.contracts.events.cap import CapProgress, OpenedCapItem
from shared_audits.contracts.topics import CAP
from shared_audits.testing import InMemorySharedAdapters, RunningApp, factory_account, member

from evidence_store.bootstrap import Adapters

from .fakes import CAP_ITEM, FACTORY, LINKED_MEMBER, OTHER_MEMBER, PDF

NOW = datetime(2026, 4, 1, tzinfo=UTC)
CAP_ID, ITEM_ID = CAP_ITEM


def cap_opened(cap_id: str = "c-2", factory_id: str = FACTORY) -> CapOpened:
    item = OpenedCapItem(item_id="i-9", finding_id="n-1", severity=FindingSeverity.MAJOR, description="Exit locked",
                         recommended_action="Unlock", deadline=date(2026, 6, 1))
    return CapOpened(cap_id=cap_id, audit_id="a-1", factory_id=factory_id, items=[item], rule_set_version="2026.1")


async def stored_evidence_id(app: RunningApp, shared: InMemorySharedAdapters, factory_id: str = FACTORY) -> str:
    answer = await app.client.post(f"/evidence/caps/{CAP_ID}/items/{ITEM_ID}/files",
                                   files={"file": ("permit.pdf", PDF, "application/pdf")},
                                   headers=shared.token_verifier.headers(factory_account(factory_id)))
    assert answer.status_code == 201, answer.text
    return answer.json()["evidence_id"]


async def test_cap_opened_tells_which_factory_uploads_for_each_item(app: RunningApp, adapters: Adapters) -> None:
    await app.publish(cap_opened(), producer="cap-service")

    assert await adapters.cap_items.factory_of("c-2", "i-9") == FACTORY


async def test_a_decision_on_a_version_is_kept_on_that_version(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters
) -> None:
    first = await stored_evidence_id(app, shared)
    second = await stored_evidence_id(app, shared)
    decided = {"cap_id": CAP_ID, "item_id": ITEM_ID, "factory_id": FACTORY, "member_id": LINKED_MEMBER,
               "decided_by": "u-1", "decided_at": NOW}
    await app.publish(CapItemRejected(**decided, comment="Unsigned", evidence_id=first), producer="cap-service")
    await app.publish(CapItemAccepted(**decided, comment="Signed", evidence_id=second,
                                      progress=CapProgress(items_closed=1, items_total=1)), producer="cap-service")

    versions = {e.id: (e.review_status, e.review_comment) for e in await adapters.evidence.find()}
    assert versions == {first: ("rejected", "Unsigned"), second: ("accepted", "Signed")}


async def test_a_merge_moves_the_evidence_and_the_items_to_the_surviving_site(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters
) -> None:
    evidence_id = await stored_evidence_id(app, shared)
    await app.publish(FactoriesMerged(factory_id="f-keep", merged_factory_id=FACTORY), producer="factory-registry")

    assert (await adapters.evidence.get(evidence_id)).factory_id == "f-keep"
    assert await adapters.cap_items.factory_of(CAP_ID, ITEM_ID) == "f-keep"
    assert shared.merged_factories.merged == {FACTORY: "f-keep"}
    # A late CapOpened about the merged site lands on the survivor.
    await app.publish(cap_opened("c-3"), producer="cap-service")
    assert await adapters.cap_items.factory_of("c-3", "i-9") == "f-keep"


async def test_links_decide_who_reads_the_evidence(app: RunningApp, shared: InMemorySharedAdapters) -> None:
    evidence_id = await stored_evidence_id(app, shared)
    path = f"/evidence/files/{evidence_id}"
    link = {"member_id": OTHER_MEMBER, "factory_id": FACTORY}

    await app.publish(FactoryLinked(**link, relationship=LinkRelationship.SUPPLIER, linked_at=NOW),
                      producer="access-control")
    linked = await app.client.get(path, headers=shared.token_verifier.headers(member(OTHER_MEMBER)))
    await app.publish(FactoryUnlinked(**link, unlinked_at=NOW), producer="access-control")
    unlinked = await app.client.get(path, headers=shared.token_verifier.headers(member(OTHER_MEMBER)))

    assert (linked.status_code, unlinked.status_code) == (200, 404)


async def test_member_groups_are_kept(app: RunningApp, shared: InMemorySharedAdapters) -> None:
    await app.publish(MemberGroupPublished(group_id="g-1", name="Brands", member_ids=[LINKED_MEMBER, OTHER_MEMBER],
                                           published_at=NOW), producer="access-control")
    assert shared.member_groups.groups == {"g-1": {LINKED_MEMBER, OTHER_MEMBER}}
    await app.publish(MemberGroupDissolved(group_id="g-1", dissolved_at=NOW), producer="access-control")
    assert shared.member_groups.groups == {}


async def test_a_bad_payload_goes_to_the_dead_letter_topic_and_the_next_event_is_handled(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters
) -> None:
    envelope = json.loads(wrap(cap_opened("c-4"), producer="cap-service").model_dump_json())
    del envelope["payload"]["items"]
    await app.publish_raw(CAP.name, json.dumps(envelope).encode(), key=FACTORY)
    await app.publish(cap_opened("c-5"), producer="cap-service")

    [reason] = shared.dead_letters.reasons
    assert reason.startswith("invalid CapOpened payload") and "items" in reason
    assert await adapters.cap_items.factory_of("c-4", "i-9") is None
    assert await adapters.cap_items.factory_of("c-5", "i-9") == FACTORY


async def test_a_payload_with_a_field_this_release_does_not_know_is_handled(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters
) -> None:
    envelope = json.loads(wrap(cap_opened("c-6"), producer="cap-service").model_dump_json())
    envelope["payload"]["opened_by_a_newer_release"] = "yes"
    await app.publish_raw(CAP.name, json.dumps(envelope).encode(), key=FACTORY)

    assert shared.dead_letters.parked == []
    assert await adapters.cap_items.factory_of("c-6", "i-9") == FACTORY
