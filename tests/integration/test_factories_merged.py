"""The operator merges two sites: links, audits, CAPs, evidence and inboxes follow the survivor in every service."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaProducer
from pymongo import MongoClient

from shared_audits.contracts import wrap
from shared_audits.contracts.events import FactoriesMerged
from shared_audits_client import ApiError, PlatformClient, eventually
from shared_audits_client.story import SAMPLE_PDF, Cast, assemble_cast
from tests.integration.cap_flows import finding, open_cap, submit_evidence
from tests.integration.stack import Stack

# Every service that holds factory-scoped data (factory-registry produces the event).
MERGING_SERVICES = ("access_control", "audit_service", "cap_service", "evidence_store", "notifier")


@dataclass(frozen=True)
class SiteWork:
    audit_ids: list[str]
    cap_ids: list[str]
    evidence_ids: list[str]


def _work_of(cast: Cast) -> tuple[SiteWork, str]:
    """An audit whose report opened a CAP, and evidence on its first item (returned too)."""
    cap = open_cap(cast, [finding("9 Health and safety")])
    item_id = cap["items"][0]["item_id"]
    evidence = submit_evidence(cast, cap["cap_id"], item_id)
    return SiteWork([cap["audit_id"]], [cap["cap_id"]], [evidence["evidence_id"]]), item_id


def _everything_on(member: PlatformClient, factory_id: str) -> SiteWork:
    caps = member.caps_of_factory(factory_id)
    evidence = [
        file["evidence_id"]
        for cap in caps
        for item in cap["items"]
        for file in member.evidence_files(cap["cap_id"], item["item_id"])
    ]
    return SiteWork(
        sorted(audit["audit_id"] for audit in member.audits_of_factory(factory_id)),
        sorted(cap["cap_id"] for cap in caps),
        sorted(evidence),
    )


def _status(call) -> int:
    with pytest.raises(ApiError) as refused:
        call()
    return refused.value.status


def _replay(stack: Stack, merge: FactoriesMerged) -> str:
    """Publish the merge once more in a new envelope (a new event id, so no service skips it as seen)."""
    envelope = wrap(merge, producer="factory-registry")

    async def publish() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(
                merge.TOPIC.name, envelope.model_dump_json().encode(), key=merge.partition_key().encode()
            )
        finally:
            await producer.stop()

    asyncio.run(publish())
    return str(envelope.event_id)


def _wait_until_handled(stack: Stack, event_id: str, timeout: float = 60.0) -> None:
    client = MongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000)
    try:
        deadline = time.monotonic() + timeout
        for database in MERGING_SERVICES:
            while client[database]["processed_events"].find_one({"_id": event_id}) is None:
                assert time.monotonic() < deadline, f"{database} did not handle the replayed merge"
                time.sleep(0.3)
    finally:
        client.close()


@pytest.fixture
def second_site(stack: Stack) -> Iterator[Cast]:
    cast = assemble_cast(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret,
                         kafka_bootstrap=stack.kafka_bootstrap)
    yield cast
    cast.close()


def test_after_a_merge_every_member_of_either_site_sees_everything_on_the_survivor(
    stack: Stack, cast: Cast, second_site: Cast
) -> None:
    # Given two sites, each with two linked members, an audit whose report opened a CAP, and evidence.
    gone, keep = cast, second_site
    (gone_work, gone_item_id), (keep_work, _) = _work_of(gone), _work_of(keep)
    told_before = {entry["event_id"] for entry in gone.member_a.inbox()}
    members = [gone.member_a, gone.member_b, keep.member_a, keep.member_b]
    everything = SiteWork(
        sorted(gone_work.audit_ids + keep_work.audit_ids),
        sorted(gone_work.cap_ids + keep_work.cap_ids),
        sorted(gone_work.evidence_ids + keep_work.evidence_ids),
    )

    # When the operator merges the first site into the second.
    keep.operator.merge_factories(gone.factory_id, keep.factory_id)

    # Then every member of either site finds everything, once, on the surviving id.
    for member in members:
        eventually(lambda member=member: _assert_equal(_everything_on(member, keep.factory_id), everything), 60)
        assert [link["factory_id"] for link in member.links()] == [keep.factory_id]
    history = gone.member_a.call("GET", f"/access/links/{gone.factory_id}/history")["history"]
    assert [(change["step"], change["linked"], change["reason"]) for change in history] == [
        ("requested", False, None), ("accepted", True, None), ("ended", False, "merged")]
    moved = gone.member_a.call("GET", f"/access/links/{keep.factory_id}/history")["history"]
    assert [(change["step"], change["linked"], change["reason"]) for change in moved] == [("moved", True, "merged")]

    # The merged id redirects in the registry and answers nothing else of its own.
    assert gone.member_a.send("GET", f"/registry/factories/{gone.factory_id}").status_code == 308
    for member in members:
        assert _status(lambda member=member: member.audits_of_factory(gone.factory_id)) == 404
        assert _status(lambda member=member: member.caps_of_factory(gone.factory_id)) == 404
    assert gone.operator.audits_of_factory(gone.factory_id) == []
    assert gone.operator.caps_of_factory(gone.factory_id) == []
    assert _status(lambda: gone.member_a.link_factory(gone.factory_id)) == 404

    # What member A was told about the merged site stays in its inbox, now under the survivor.
    def inbox_moved() -> None:
        entries = gone.member_a.inbox(limit=200)
        assert told_before <= {entry["event_id"] for entry in entries}
        assert {entry["factory_id"] for entry in entries} == {keep.factory_id}

    eventually(inbox_moved)

    # The merged site's own account keeps working on the surviving record: with a new token, and
    # with the one it held from before the merge (its evidence upload lands on the moved CAP).
    site = gone.organisations["factory"]
    relogged = PlatformClient.login(stack.gateway_url, site.client_id, site.client_secret)
    try:
        assert sorted(c["cap_id"] for c in relogged.caps_of_factory(keep.factory_id)) == everything.cap_ids
    finally:
        relogged.close()
    resubmitted = gone.factory.upload_evidence(gone_work.cap_ids[0], gone_item_id, "permit-renewed.pdf",
                                               SAMPLE_PDF, "application/pdf")
    assert resubmitted["version_number"] == 2
    everything = SiteWork(everything.audit_ids, everything.cap_ids,
                          sorted([*everything.evidence_ids, resubmitted["evidence_id"]]))
    eventually(lambda: _assert_equal(_everything_on(keep.member_b, keep.factory_id), everything))

    # Replaying the merge changes nothing.
    _wait_until_handled(stack, _replay(stack, FactoriesMerged(factory_id=keep.factory_id,
                                                              merged_factory_id=gone.factory_id)))
    for member in members:
        _assert_equal(_everything_on(member, keep.factory_id), everything)
    assert gone.member_a.call("GET", f"/access/links/{gone.factory_id}/history")["history"] == history
    assert gone.member_a.call("GET", f"/access/links/{keep.factory_id}/history")["history"] == moved


def _assert_equal(seen: SiteWork, expected: SiteWork) -> None:
    assert seen == expected, seen
