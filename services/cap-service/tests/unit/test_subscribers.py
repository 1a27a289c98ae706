"""Each subscription of cap-service takes its event through TestKafkaBroker; a bad payload is a dead letter."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from cap_service.bootstrap import Adapters
from cap_service.domain.model import Cap
from shared_audits.contracts import wrap
from shared_audits.contracts.enums import LinkRelationship
from shared_audits.contracts.events import (
    CapOpened,
    FactoriesMerged,
    FactoryLinked,
    FactoryUnlinked,
    MemberGroupDissolved,
    MemberGroupPublished,
)
from shared_audits.contracts.topics import AUDIT
from shared_audits.testing import InMemorySharedAdapters, RunningApp, member

from .fakes import OTHER_MEMBER, REPORT, stored

NOW = datetime(2026, 4, 1, tzinfo=UTC)
CAP_ID = Cap.id_for_audit(REPORT.audit_id)


async def opened(app: RunningApp, adapters: Adapters, audit_id: str = REPORT.audit_id) -> Cap:
    report = REPORT.model_copy(update={"audit_id": audit_id})
    await app.publish(report, producer="audit-service")
    return await adapters.caps.get(Cap.id_for_audit(audit_id))


async def test_a_published_report_opens_its_cap_once(app: RunningApp, adapters: Adapters) -> None:
    await app.publish(REPORT, producer="audit-service")
    await app.publish(REPORT, producer="audit-service")  # redelivered

    [cap] = await adapters.caps.find(factory_id="f-1")
    assert cap.id == CAP_ID and len(cap.items) == 2
    assert [type(event) for event in adapters.caps.published] == [CapOpened]


async def test_stored_evidence_is_submitted_on_its_item(app: RunningApp, adapters: Adapters) -> None:
    cap = await opened(app, adapters)
    await app.publish(stored(cap, 0, "e-1"), producer="evidence-store")

    item = (await adapters.caps.get(CAP_ID)).items[0]
    assert (item.status, item.evidence_ids) == ("evidence_submitted", ["e-1"])


async def test_evidence_for_an_unknown_cap_is_a_dead_letter(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters,
) -> None:
    cap = await opened(app, adapters)
    await app.publish(stored(cap, 0, "e-1").model_copy(update={"cap_id": "c-unknown"}), producer="evidence-store")

    [reason] = shared.dead_letters.reasons
    assert "c-unknown" in reason


async def test_a_merge_moves_the_caps_to_the_surviving_site(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters,
) -> None:
    await opened(app, adapters)
    await app.publish(FactoriesMerged(factory_id="f-keep", merged_factory_id="f-1"), producer="factory-registry")

    assert (await adapters.caps.get(CAP_ID)).factory_id == "f-keep"
    assert shared.merged_factories.merged == {"f-1": "f-keep"}
    # A late report about the merged site opens its CAP on the survivor.
    late = await opened(app, adapters, "a-late")
    assert late.factory_id == "f-keep"


async def test_links_decide_who_reads_the_cap(app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters) -> None:
    await opened(app, adapters)
    path, headers = f"/caps/caps/{CAP_ID}", shared.token_verifier.headers(member(OTHER_MEMBER))
    link = {"member_id": OTHER_MEMBER, "factory_id": "f-1"}

    await app.publish(FactoryLinked(**link, relationship=LinkRelationship.SUPPLIER, linked_at=NOW),
                      producer="access-control")
    linked = await app.client.get(path, headers=headers)
    await app.publish(FactoryUnlinked(**link, unlinked_at=NOW), producer="access-control")
    unlinked = await app.client.get(path, headers=headers)

    assert (linked.status_code, unlinked.status_code) == (200, 404)


async def test_member_groups_decide_who_reads_whose_decision(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters,
) -> None:
    cap = await opened(app, adapters)
    await app.publish(stored(cap, 0, "e-1"), producer="evidence-store")
    decided = await app.client.post(f"/caps/caps/{CAP_ID}/items/{cap.items[0].item_id}/decisions",
                                    json={"decision": "accept"}, headers=shared.token_verifier.headers(member("m-a")))
    assert decided.status_code == 200, decided.text

    async def decider_seen_by_m_b() -> str:
        answer = await app.client.get(f"/caps/caps/{CAP_ID}", headers=shared.token_verifier.headers(member("m-b")))
        return answer.json()["items"][0]["decisions"][0]["member_id"]

    await app.publish(MemberGroupPublished(group_id="g-1", name="Brands", member_ids=["m-a", "m-b"],
                                           published_at=NOW), producer="access-control")
    in_a_group = await decider_seen_by_m_b()
    await app.publish(MemberGroupDissolved(group_id="g-1", dissolved_at=NOW), producer="access-control")

    assert (in_a_group, await decider_seen_by_m_b()) == ("m-a", "linked-member")


async def test_a_bad_payload_goes_to_the_dead_letter_topic_and_the_next_event_is_handled(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters,
) -> None:
    envelope = json.loads(wrap(REPORT, producer="audit-service").model_dump_json())
    del envelope["payload"]["findings"]
    await app.publish_raw(AUDIT.name, json.dumps(envelope).encode(), key="f-1")
    await opened(app, adapters, "a-next")

    [reason] = shared.dead_letters.reasons
    assert reason.startswith("invalid AuditReportPublished payload") and "findings" in reason
    assert [cap.audit_id for cap in await adapters.caps.find()] == ["a-next"]


async def test_a_payload_with_a_field_this_release_does_not_know_is_handled(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters,
) -> None:
    envelope = json.loads(wrap(REPORT, producer="audit-service").model_dump_json())
    envelope["payload"]["published_by_a_newer_release"] = "yes"
    await app.publish_raw(AUDIT.name, json.dumps(envelope).encode(), key="f-1")

    assert shared.dead_letters.parked == []
    assert await adapters.caps.get(CAP_ID) is not None
