"""``shared-audits verify``: an exported CAP record is checked offline and the broken entry is named.

The records are made by cap-service's own code over in-memory adapters, so these tests
also hold the service's writer and the CLI's independent reader to one format.
"""

from __future__ import annotations

import copy
import importlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cap_service.adapters.record_keys import RecordSigningKey, verify_signature
from cap_service.adapters.rules import load_deadline_rules
from cap_service.domain.model import Cap
from cap_service.service_layer.handlers import CapHandlers
from cap_service.service_layer.record import CapRecords
from shared_audits.contracts import wrap
from shared_audits.contracts.events import AuditReportPublished, EvidenceStored
from shared_audits.testing import InMemoryAggregateStore, InMemoryLinkProjection, member
from shared_audits_cli.main import app
from shared_audits_cli.record_verification import entry_hash, verify_record

# cap-service's fakes live with its unit tests; the repository root is on the path (pytest.ini), and the
# name is the one pytest's importlib mode gives that file, so both test suites share one module.
cap_fakes = importlib.import_module("services.cap-service.tests.unit.fakes")
InMemoryChainHeads = cap_fakes.InMemoryChainHeads
InMemoryCheckpointStore = cap_fakes.InMemoryCheckpointStore
InMemoryRecordKeys = cap_fakes.InMemoryRecordKeys

FINDINGS = [{"finding_id": f"n-{i}", "chapter": str(i), "severity": "major", "description": f"Problem {i}",
             "recommended_action": "Fix"} for i in range(1, 4)]
REPORT = AuditReportPublished(audit_id="a-1", factory_id="f-1", audit_type="initial", compliance_percentage=55,
                              letter="C", rule_set_version="2026.1", published_at=datetime(2026, 3, 1, tzinfo=UTC),
                              findings=FINDINGS)


async def a_record(extra_after_checkpoint: bool = False, sees=None) -> tuple[dict, dict]:
    """A CAP with 8 entries, all under a signed checkpoint among three CAPs; its export and the platform's keys."""
    caps = CapHandlers(caps=InMemoryAggregateStore(), links=InMemoryLinkProjection({("m-a", "f-1")}),
                       deadline_rules=load_deadline_rules())
    keys = InMemoryRecordKeys()
    await keys.ensure_key(datetime(2026, 1, 1, tzinfo=UTC))
    records = CapRecords(caps=caps.caps, heads=InMemoryChainHeads(caps.caps), checkpoints=InMemoryCheckpointStore(),
                         keys=keys, links=caps.links, verify_signature=verify_signature)
    for audit_id in ("a-1", "a-2", "a-3"):
        report = REPORT.model_copy(update={"audit_id": audit_id})
        await caps.open_cap(report, wrap(report, producer="audit-service"))
    cap = await caps.caps.get(Cap.id_for_audit("a-1"))

    async def evidence(index: int, evidence_id: str) -> None:
        await caps.record_evidence(EvidenceStored(
            evidence_id=evidence_id, factory_id="f-1", cap_id=cap.id, item_id=cap.items[index].item_id,
            filename="e.pdf", content_type="application/pdf", size_bytes=10, sha256="0" * 64), None)

    for index in range(3):
        await evidence(index, f"e-{index}")
    await caps.decide(member("m-a"), cap.id, cap.items[0].item_id, "reject", "Blurred")
    await evidence(0, "e-9")
    await caps.decide(member("m-a"), cap.id, cap.items[0].item_id, "accept", "Clear now")
    await caps.decide(member("m-a"), cap.id, cap.items[1].item_id, "accept", None)
    await records.sign_checkpoint()
    if extra_after_checkpoint:
        await caps.decide(member("m-a"), cap.id, cap.items[2].item_id, "accept", None)
    return await records.export(member("m-a"), cap.id, sees=sees), await records.published_keys()


@pytest.fixture
async def record() -> dict:
    document, _ = await a_record()
    return document


def kinds(document: dict, **options) -> list[tuple[str, int | None]]:
    return [(p.kind, p.entry) for p in verify_record(document, **options).problems]


def rehash_from(document: dict, start: int) -> None:
    """What someone who knows the format does after a change: recompute the chain from ``start`` on."""
    entries = document["entries"]
    for seq in range(start, len(entries)):
        if seq:
            entries[seq]["previous"] = entries[seq - 1]["hash"]
        entries[seq]["hash"] = entry_hash(entries[seq])


async def test_an_untouched_record_verifies_with_the_keys_in_the_file_or_the_published_ones(record: dict) -> None:
    assert [e["type"] for e in record["entries"]] == [
        "CapOpened", "CapItemEvidenceSubmitted", "CapItemEvidenceSubmitted", "CapItemEvidenceSubmitted",
        "CapItemRejected", "CapItemEvidenceSubmitted", "CapItemAccepted", "CapItemAccepted"]
    from_file = verify_record(record)
    assert from_file.ok and from_file.signed_entries == 8 and from_file.checkpoint["sequence"] == 1
    assert [w.kind for w in from_file.warnings] == ["keys-from-file"]
    trusted = verify_record(record, trusted_keys=record["keys"])
    assert trusted.ok and trusted.warnings == [] and trusted.as_json()["problems"] == []


async def test_a_record_whose_deciders_are_hidden_from_the_reader_verifies_all_the_same() -> None:
    hidden, _ = await a_record(sees=lambda member_id: False)
    assert all(entry["disclosures"] == [] for entry in hidden["entries"]) and "m-a" not in json.dumps(hidden)
    assert verify_record(hidden, trusted_keys=hidden["keys"]).ok


async def test_a_changed_decision_is_named_by_its_entry(record: dict) -> None:
    record["entries"][4]["data"]["comment"] = "Looks fine"
    assert kinds(record) == [("hash-mismatch", 4)]


async def test_a_changed_last_entry_is_named_too(record: dict) -> None:
    record["entries"][7]["data"]["decided_at"] = "2026-01-01T00:00:00+00:00"
    assert kinds(record) == [("hash-mismatch", 7)]


async def test_who_decided_changed_in_a_disclosure_is_named_by_its_entry(record: dict) -> None:
    decided = record["entries"][6]
    member = next(d for d in decided["disclosures"] if d[1] == "member_id")
    assert member[2] == "m-a" and "m-a" not in json.dumps(decided["data"])  # committed to, disclosed beside
    member[2] = "m-b"
    assert kinds(record) == [("disclosure-mismatch", 6)]


async def test_a_deleted_entry_is_named_as_the_gap(record: dict) -> None:
    del record["entries"][4]
    assert kinds(record) == [("missing-entry", 4)]
    assert "entry 5 follows entry 3" in verify_record(record).problems[0].message


async def test_deleted_entries_at_the_end_are_named_against_the_signed_length(record: dict) -> None:
    del record["entries"][6:]
    assert kinds(record) == [("missing-entry", 6)]


async def test_two_entries_swapped_are_reported_as_reordered(record: dict) -> None:
    entries = record["entries"]
    entries[4], entries[5] = entries[5], entries[4]
    assert kinds(record) == [("reordered", 4)]


async def test_swapped_entries_renumbered_break_the_chain_where_they_were_swapped(record: dict) -> None:
    entries = record["entries"]
    entries[4], entries[5] = entries[5], entries[4]
    entries[4]["seq"], entries[5]["seq"] = 4, 5
    found = kinds(record)
    assert ("hash-mismatch", 4) in found and ("hash-mismatch", 5) in found


async def test_a_history_rewritten_with_its_hashes_recomputed_does_not_match_the_signed_head(record: dict) -> None:
    record["entries"][4]["data"]["comment"] = "Looks fine"
    rehash_from(record, 4)
    assert kinds(record) == [("head-mismatch", 7)]


async def test_an_entry_replaced_hash_and_all_breaks_the_link_to_the_next(record: dict) -> None:
    record["entries"][4]["data"]["comment"] = "Looks fine"
    record["entries"][4]["hash"] = entry_hash(record["entries"][4])
    assert ("broken-link", 4) in kinds(record)


async def test_an_altered_checkpoint_or_proof_fails_its_signature_or_its_proof(record: dict) -> None:
    altered = copy.deepcopy(record)
    altered["checkpoint"]["body"]["tree_size"] += 1
    assert ("bad-signature", None) in kinds(altered)
    forged = copy.deepcopy(record)
    forged["checkpoint"]["leaf"]["length"] = 5
    assert ("proof-mismatch", None) in kinds(forged)
    other_leaf = copy.deepcopy(record)
    other_leaf["checkpoint"]["leaf_index"] = (record["checkpoint"]["leaf_index"] + 1) % 3
    assert ("proof-mismatch", None) in kinds(other_leaf)


async def test_a_file_signed_by_a_key_the_platform_never_published_fails_against_the_published_keys(
    record: dict,
) -> None:
    impostor = RecordSigningKey.generate()
    forged = copy.deepcopy(record)
    forged["checkpoint"]["body"]["kid"] = impostor.kid
    from cap_service.domain.record import canonical_json

    forged["checkpoint"]["signature"] = impostor.sign(canonical_json(forged["checkpoint"]["body"]))
    forged["keys"] = [impostor.public_jwk()]
    assert verify_record(forged).ok  # self-consistent: the file vouches for itself...
    assert kinds(forged, trusted_keys=record["keys"]) == [("unknown-key", None)]  # ...the platform does not


async def test_entries_after_the_checkpoint_are_noted_and_fail_only_when_strict() -> None:
    document, _ = await a_record(extra_after_checkpoint=True)
    result = verify_record(document)
    assert result.ok and ("not-covered", 8) in [(w.kind, w.entry) for w in result.warnings]
    assert kinds(document, strict=True) == [("not-covered", 8)]


def test_a_file_that_is_no_record_is_malformed() -> None:
    assert kinds({"format": "something else"}) == [("malformed", None)]
    assert kinds({"format": "shared-audits/cap-record", "version": 1, "cap_id": "c", "entries": [{"seq": "0"}],
                  "checkpoint": None}) == [("malformed", None)]


async def test_the_command_exits_0_when_verified_1_naming_the_entry_when_not_2_when_unreadable(
    tmp_path: Path,
) -> None:
    document, published = await a_record()
    good, keys, bad = tmp_path / "record.json", tmp_path / "keys.json", tmp_path / "altered.json"
    good.write_text(json.dumps(document))
    keys.write_text(json.dumps(published))
    altered = copy.deepcopy(document)
    altered["entries"][6]["data"]["decision"] = "reject"
    bad.write_text(json.dumps(altered))
    runner = CliRunner()

    verified = runner.invoke(app, ["verify", str(good), "--keys", str(keys)])
    assert verified.exit_code == 0 and "verified" in verified.stdout, verified.output
    failed = runner.invoke(app, ["verify", str(bad), "--json"])
    assert failed.exit_code == 1
    assert json.loads(failed.stdout)["problems"][0] | {"message": ""} == {"kind": "hash-mismatch", "entry": 6,
                                                                          "message": ""}
    assert "entry 6" in runner.invoke(app, ["verify", str(bad)]).stdout
    assert runner.invoke(app, ["verify", str(tmp_path / "nowhere.json")]).exit_code == 2
