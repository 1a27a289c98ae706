"""A CAP's tamper-evident record: the chain its changes append to, and the checkpoints that sign its head."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import pytest

from cap_service.adapters.record_keys import verify_signature
from cap_service.domain.checkpoints import (
    ChainHead,
    MerkleTree,
    leaf_hash,
    leaf_to_sign,
    node_hash,
    root_from_audit_path,
)
from cap_service.domain.errors import RecordIntegrityError
from cap_service.domain.model import Cap
from cap_service.domain.record import RECORD_STARTED, canonical_json, chain_problems
from cap_service.service_layer.handlers import CapHandlers
from cap_service.service_layer.record import CapRecords
from shared_audits.contracts import wrap
from shared_audits.errors import NotFoundError, PermissionDeniedError
from shared_audits.testing import audit_company, factory_account, member, operator

from .fakes import RECORD_NOW as NOW
from .fakes import REPORT, follow_up, open_cap, stored


async def a_decided_cap(caps: CapHandlers) -> Cap:
    cap = await open_cap(caps)
    item_id = cap.items[0].item_id
    await caps.record_evidence(stored(cap, 0, "e-1"), None)
    await caps.decide(member("m-a"), cap.id, item_id, "reject", "Photo is blurred")
    await caps.record_evidence(stored(cap, 0, "e-2"), None)
    await caps.decide(member("m-b"), cap.id, item_id, "accept", "Clear now")
    return await caps.caps.get(cap.id)


# ---------------------------------------------------------------- the chain


async def test_every_change_of_a_cap_appends_one_entry_naming_the_hash_of_the_one_before(caps: CapHandlers) -> None:
    cap = await a_decided_cap(caps)

    assert [entry.type for entry in cap.history] == [
        "CapOpened", "CapItemEvidenceSubmitted", "CapItemRejected", "CapItemEvidenceSubmitted", "CapItemAccepted"]
    assert [entry.seq for entry in cap.history] == [0, 1, 2, 3, 4]
    assert cap.history[0].previous is None
    for before, after in zip(cap.history, cap.history[1:], strict=False):
        assert after.previous == before.hash
    assert chain_problems(cap.id, cap.history) == []
    # The hash is SHA-256 over the RFC 8785 JSON of every other field but the disclosures.
    body = cap.history[2].model_dump(mode="json", exclude={"hash", "disclosures"})
    assert cap.history[2].hash == hashlib.sha256(canonical_json(body)).hexdigest()
    assert canonical_json({"b": 1, "a": [1.0, "é"]}) == '{"a":[1,"é"],"b":1}'.encode()


async def test_the_record_holds_what_each_event_said_and_when(caps: CapHandlers) -> None:
    cap = await a_decided_cap(caps)
    rejected = cap.history[2]
    data = rejected.revealed()
    assert (data["member_id"], data["decided_by"], data["comment"]) == ("m-a", "client-m-a", "Photo is blurred")
    assert data["evidence_id"] == "e-1" and rejected.version == 1 and rejected.cap_id == cap.id
    assert datetime.fromisoformat(rejected.at).tzinfo is not None


async def test_who_decided_is_committed_to_in_the_hashed_data_and_disclosed_beside_it(caps: CapHandlers) -> None:
    rejected = (await a_decided_cap(caps)).history[2]
    assert "m-a" not in str(rejected.data) and "client-m-a" not in str(rejected.data)
    salt, name, value = next(d for d in rejected.disclosures if d[1] == "member_id")
    assert value == "m-a" and len(salt) >= 16
    assert rejected.data["member_id"] == {"_sd": hashlib.sha256(canonical_json([salt, name, value])).hexdigest()}
    # A disclosed value changed afterwards no longer matches its commitment.
    swapped = rejected.model_copy(update={"disclosures": [[salt, name, "m-b"], rejected.disclosures[1]]})
    assert chain_problems(rejected.cap_id, [swapped]) != [] and swapped.computed_hash() == rejected.hash


async def test_decisions_and_follow_up_outcomes_are_read_from_the_record(caps: CapHandlers) -> None:
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


async def test_overdue_items_and_the_closing_of_a_cap_are_recorded(caps: CapHandlers) -> None:
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


# ---------------------------------------------------------------- the Merkle tree


def _rfc9162_root(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) as RFC 9162 section 2.1.1 defines it, recursively (the reference for the level-wise tree)."""
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_rfc9162_root(leaves[:split]), _rfc9162_root(leaves[split:]))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 33])
def test_every_leaf_s_audit_path_leads_to_the_rfc9162_root(size: int) -> None:
    leaves = [leaf_hash(ChainHead(f"cap-{i:03}", i + 1, f"{i:064x}")) for i in range(size)]
    tree = MerkleTree(leaves)
    assert tree.root == _rfc9162_root(leaves)
    for index, leaf in enumerate(leaves):
        assert root_from_audit_path(leaf, index, size, tree.audit_path(index)) == tree.root
    if size > 1:
        assert root_from_audit_path(leaves[0], 1, size, tree.audit_path(1)) != tree.root  # another leaf's path
        assert root_from_audit_path(leaves[-1], size - 1, size, tree.audit_path(size - 1)[:-1]) != tree.root  # cut short


async def test_a_chain_that_no_longer_holds_what_was_signed_keeps_its_signed_head(caps: CapHandlers) -> None:
    cap = await a_decided_cap(caps)
    signed = ChainHead(cap.id, 3, cap.history[2].hash)
    assert leaf_to_sign(cap.id, cap.history, signed) == (ChainHead(cap.id, 5, cap.history[4].hash), None)
    rewritten = [cap.history[0], cap.history[1], cap.history[3].model_copy(update={"seq": 2})]
    leaf, refused = leaf_to_sign(cap.id, rewritten, signed)
    assert leaf == signed and refused
    leaf, refused = leaf_to_sign(cap.id, cap.history[:2], signed)
    assert leaf == signed and "no longer holds the 3 entries" in refused


# ---------------------------------------------------------------- checkpoints, export, keys


async def test_a_checkpoint_signs_every_chain_s_head_once_until_one_changes(
    caps: CapHandlers, records: CapRecords,
) -> None:
    cap = await a_decided_cap(caps)
    other = REPORT.model_copy(update={"audit_id": "a-7"})
    await caps.open_cap(other, wrap(other, producer="audit-service"))

    first = await records.sign_checkpoint()
    assert first is not None and first.body["tree_size"] == 2 and first.body["previous"] is None
    key = (await records.published_keys())["keys"][0]
    assert verify_signature(key, canonical_json(first.body), first.signature)
    assert await records.sign_checkpoint() is None  # nothing changed

    await caps.record_evidence(stored(cap, 1, "e-9"), None)
    second = await records.sign_checkpoint()
    assert second.sequence == 2 and second.body["previous"] == first.digest()
    exported = await records.export(member("m-a"), cap.id)
    assert exported["checkpoint"]["leaf"] == {"cap_id": cap.id, "length": 6, "head": exported["entries"][-1]["hash"]}


async def test_a_cap_s_record_is_exported_to_whoever_sees_the_cap_and_to_nobody_else(
    caps: CapHandlers, records: CapRecords,
) -> None:
    cap = await a_decided_cap(caps)
    await records.sign_checkpoint()
    for caller in (member("m-b"), factory_account("f-1"), operator()):
        document = await records.export(caller, cap.id)
        assert document["format"] == "shared-audits/cap-record" and len(document["entries"]) == 5
        assert [key["kid"] for key in document["keys"]] == [document["checkpoint"]["body"]["kid"]]
    for outsider in (member("m-c"), factory_account("f-2"), audit_company("ac-1")):
        with pytest.raises(NotFoundError) as hidden:
            await records.export(outsider, cap.id)
        with pytest.raises(NotFoundError) as unknown:
            await records.export(outsider, "no-such-cap")
        assert str(hidden.value).replace(cap.id, "X") == str(unknown.value).replace("no-such-cap", "X")


async def test_a_member_reads_its_own_decisions_in_the_export_and_not_who_else_decided(
    caps: CapHandlers, records: CapRecords,
) -> None:
    cap = await a_decided_cap(caps)  # m-a rejected, m-b accepted
    await records.sign_checkpoint()

    def disclosed(document: dict) -> set[str]:
        return {d[2] for entry in document["entries"] for d in entry["disclosures"]}

    assert disclosed(await records.export(member("m-a"), cap.id)) == {"m-a", "client-m-a"}
    assert disclosed(await records.export(member("m-b"), cap.id)) == {"m-b", "client-m-b"}
    everyone = {"m-a", "client-m-a", "m-b", "client-m-b"}
    assert disclosed(await records.export(factory_account("f-1"), cap.id)) == everyone
    assert disclosed(await records.export(operator(), cap.id)) == everyone
    in_a_group = await records.export(member("m-a"), cap.id, sees=lambda member_id: member_id in {"m-a", "m-b"})
    assert disclosed(in_a_group) == everyone
    assert "m-b" not in str(await records.export(member("m-a"), cap.id))


async def test_the_export_shows_no_other_cap(caps: CapHandlers, records: CapRecords) -> None:
    cap = await a_decided_cap(caps)
    other = REPORT.model_copy(update={"audit_id": "a-8", "factory_id": "f-9"})
    await caps.open_cap(other, wrap(other, producer="audit-service"))
    await records.sign_checkpoint()
    text = str(await records.export(member("m-a"), cap.id))
    assert Cap.id_for_audit("a-8") not in text and "f-9" not in text


async def test_after_a_rotation_the_new_key_signs_and_the_old_one_stays_published(
    caps: CapHandlers, records: CapRecords,
) -> None:
    cap = await a_decided_cap(caps)
    old = (await records.sign_checkpoint()).kid
    with pytest.raises(PermissionDeniedError):
        await records.rotate_key(member("m-a"))
    new = (await records.rotate_key(operator()))["kid"]
    await caps.record_evidence(stored(cap, 1, "e-3"), None)
    assert (await records.sign_checkpoint()).kid == new
    published = {key["kid"]: key for key in (await records.published_keys())["keys"]}
    assert published.keys() == {old, new} and published[old]["retired_at"] and published[new]["retired_at"] is None


async def test_only_the_operator_signs_a_checkpoint_on_demand(caps: CapHandlers, records: CapRecords) -> None:
    await a_decided_cap(caps)
    with pytest.raises(PermissionDeniedError):
        await records.sign_checkpoint_now(member("m-a"))
    first = await records.sign_checkpoint_now(operator())
    assert (await records.sign_checkpoint_now(operator())).sequence == first.sequence  # nothing new: the latest


async def test_stored_leaves_the_signature_does_not_cover_stop_the_signing(
    caps: CapHandlers, records: CapRecords,
) -> None:
    cap = await a_decided_cap(caps)
    first = await records.sign_checkpoint()
    proof = records.checkpoints.proofs[first.sequence][cap.id]
    forged = ChainHead(cap.id, 2, cap.history[1].hash)
    records.checkpoints.proofs[first.sequence][cap.id] = type(proof)(forged, proof.index, proof.audit_path)
    await caps.record_evidence(stored(cap, 1, "e-4"), None)
    with pytest.raises(RecordIntegrityError):
        await records.sign_checkpoint()


async def test_a_chain_altered_in_the_store_is_not_signed_again(
    caps: CapHandlers, records: CapRecords,
) -> None:
    cap = await a_decided_cap(caps)
    first = await records.sign_checkpoint()
    stored_cap = caps.caps._items[cap.id]
    altered = stored_cap.history[2].model_copy(update={"data": {**stored_cap.history[2].data, "comment": "Fine"}})
    stored_cap.history = [*stored_cap.history[:2], altered, *stored_cap.history[3:]]
    await caps.record_evidence(stored(cap, 1, "e-5"), None)  # the chain grows on top of the altered entry
    second = await records.sign_checkpoint()
    # The other chains would be signed again; this one keeps the head signed before.
    assert second is None or records.checkpoints.proofs[second.sequence][cap.id].leaf.length == 5
    assert (await records.export(member("m-a"), cap.id))["checkpoint"]["body"]["sequence"] == first.sequence
