"""A CAP's tamper-evident record: the chain its changes append to."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from cap_service.domain.model import Cap
from cap_service.domain.record import RECORD_STARTED, canonical_json, chain_problems
from cap_service.service_layer.handlers import CapHandlers
from shared_audits.contracts import wrap
from shared_audits.testing import member

from .test_handlers import REPORT, caps, follow_up, open_cap, stored  # noqa: F401 - the fixture is used by name

NOW = datetime(2026, 4, 2, 9, tzinfo=UTC)


async def a_decided_cap(caps: CapHandlers) -> Cap:  # noqa: F811
    cap = await open_cap(caps)
    item_id = cap.items[0].item_id
    await caps.record_evidence(stored(cap, 0, "e-1"), None)
    await caps.decide(member("m-a"), cap.id, item_id, "reject", "Photo is blurred")
    await caps.record_evidence(stored(cap, 0, "e-2"), None)
    await caps.decide(member("m-b"), cap.id, item_id, "accept", "Clear now")
    return await caps.caps.get(cap.id)


# ---------------------------------------------------------------- the chain


async def test_every_change_of_a_cap_appends_one_entry_naming_the_hash_of_the_one_before(caps: CapHandlers) -> None:  # noqa: F811
    cap = await a_decided_cap(caps)

    assert [entry.type for entry in cap.history] == [
        "CapOpened", "CapItemEvidenceSubmitted", "CapItemRejected", "CapItemEvidenceSubmitted", "CapItemAccepted"]
    assert [entry.seq for entry in cap.history] == [0, 1, 2, 3, 4]
    assert cap.history[0].previous is None
    for before, after in zip(cap.history, cap.history[1:], strict=False):
        assert after.previous == before.hash
    assert chain_problems(cap.id, cap.history) == []
    # The hash is SHA-256 over the RFC 8785 JSON of every other field.
    body = cap.history[2].model_dump(mode="json", exclude={"hash"})
    assert cap.history[2].hash == hashlib.sha256(canonical_json(body)).hexdigest()
    assert canonical_json({"b": 1, "a": [1.0, "é"]}) == '{"a":[1,"é"],"b":1}'.encode()


async def test_the_record_holds_what_each_event_said_and_when(caps: CapHandlers) -> None:  # noqa: F811
    cap = await a_decided_cap(caps)
    rejected = cap.history[2]
    assert rejected.data["member_id"] == "m-a" and rejected.data["comment"] == "Photo is blurred"
    assert rejected.data["evidence_id"] == "e-1" and rejected.version == 1 and rejected.cap_id == cap.id
    assert datetime.fromisoformat(rejected.at).tzinfo is not None


async def test_decisions_and_follow_up_outcomes_are_read_from_the_record(caps: CapHandlers) -> None:  # noqa: F811
    cap = await a_decided_cap(caps)
    item_id = cap.items[0].item_id
    assert [(d.decision, d.member_id, d.comment) for d in cap.decisions_of(item_id)] == [
        ("reject", "m-a", "Photo is blurred"), ("accept", "m-b", "Clear now")]
    report = follow_up([{"finding_id": "n-9", "chapter": "9", "severity": "major", "description": "Again",
                         "recommended_action": "Unlock"}])
    await caps.open_cap(report, wrap(report, producer="audit-service"))
    after = await caps.caps.get(cap.id)
    assert [(c.audit_id, c.outcome) for c in after.follow_ups_of(item_id)] == [("a-2", "reopened")]
    assert [(c.audit_id, c.outcome) for c in after.follow_ups_of(after.items[1].item_id)] == [("a-2", "closed")]
    assert [e.type for e in after.history[-2:]] == ["CapItemReopened", "CapItemClosed"]
    assert chain_problems(cap.id, after.history) == []


async def test_overdue_items_and_the_closing_of_a_cap_are_recorded(caps: CapHandlers) -> None:  # noqa: F811
    cap = await open_cap(caps)
    await caps.flag_overdue_items(date(2026, 4, 1))
    for index in (0, 1):
        await caps.record_evidence(stored(cap, index, f"e-{index}"), None)
        await caps.decide(member("m-a"), cap.id, cap.items[index].item_id, "accept", None)
    types = [entry.type for entry in (await caps.caps.get(cap.id)).history]
    assert types[1] == "CapItemOverdue" and types[-1] == "CapClosed"


def test_a_cap_from_before_records_starts_its_record_with_a_snapshot_of_its_history() -> None:
    cap = Cap.open_from_report(REPORT, _rules(), NOW)
    cap.history = []  # as stored before records existed
    item_id = cap.items[0].item_id
    earlier = {item_id: {"decisions": [{"decision": "accept", "member_id": "m-a", "decided_by": "u-1",
                                        "comment": None, "decided_at": "2026-03-05T10:00:00+00:00"}],
                         "follow_ups": []}}
    assert cap.start_record(earlier, NOW) is True
    assert cap.start_record(earlier, NOW) is False  # once
    assert [entry.type for entry in cap.history] == [RECORD_STARTED]
    assert [d.member_id for d in cap.decisions_of(item_id)] == ["m-a"]
    cap.submit_evidence(item_id, "e-7", NOW)
    assert cap.history[1].previous == cap.history[0].hash and chain_problems(cap.id, cap.history) == []


def _rules():
    from cap_service.adapters.rules import load_deadline_rules

    return load_deadline_rules()
