"""A CAP's tamper-evident record through the gateway, and tampering straight in cap-service's database.

Each test plays a CAP's history (evidence, a rejection, evidence again, an acceptance...),
has the operator sign a checkpoint, then changes cap-service's MongoDB directly as an
intruder would (the service is not asked), exports the record again through the API and
checks that verification names the entry that was changed, removed or moved.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from shared_audits_cli.record_verification import Verification, verify_record
from shared_audits_client import ApiError, PlatformClient
from shared_audits_client.story import Cast
from tests.integration.cap_flows import cap_of_audit as cap_of
from tests.integration.cap_flows import finding, open_cap, publish_report, submit_evidence
from tests.integration.stack import REPO, Stack

pytestmark = [pytest.mark.integration]

CAP_DATABASE = "cap_service"  # cap-service's database: its service name (ServiceSettings.database_name)


def play_history(cast: Cast) -> dict:
    """A CAP of two items: evidence, a rejection by A, evidence again, acceptance by B, acceptance by A.

    Entries: 0 CapOpened, 1 evidence, 2 rejected, 3 evidence, 4 accepted, 5 evidence, 6 accepted, 7 CapClosed.
    """
    cap = open_cap(cast, [finding("8 Remuneration and benefits"), finding("9 Health and safety")])
    cap_id, (wages, safety) = cap["cap_id"], cap["items"]
    submit_evidence(cast, cap_id, wages["item_id"], "payslips.pdf")
    cast.member_a.decide(cap_id, wages["item_id"], "reject", "Payslips for March are missing.")
    submit_evidence(cast, cap_id, wages["item_id"], "payslips-complete.pdf")
    cast.member_b.decide(cap_id, wages["item_id"], "accept", "Complete now.")
    submit_evidence(cast, cap_id, safety["item_id"], "extinguishers.pdf")
    cast.member_a.decide(cap_id, safety["item_id"], "accept", "Inspected.")
    return cast.member_a.cap(cap_id)


def export(client: PlatformClient, cap_id: str) -> dict:
    return client.call("GET", f"/caps/caps/{cap_id}/record")


def published_keys(stack: Stack) -> list[dict]:
    """The platform's public keys, fetched without a token, as a verifier keeps them."""
    return httpx.get(f"{stack.gateway_url}/caps/record-keys", timeout=10).raise_for_status().json()["keys"]


def sign_checkpoint(cast: Cast) -> dict:
    return cast.operator.call("POST", "/caps/record-checkpoints")["checkpoint"]


def signed_record(stack: Stack, cast: Cast) -> tuple[dict, dict]:
    """A played CAP whose whole record a checkpoint covers, and its export."""
    cap = play_history(cast)
    sign_checkpoint(cast)
    record = export(cast.member_b, cap["cap_id"])
    assert [entry["type"] for entry in record["entries"]] == [
        "CapOpened", "CapItemEvidenceSubmitted", "CapItemRejected", "CapItemEvidenceSubmitted", "CapItemAccepted",
        "CapItemEvidenceSubmitted", "CapItemAccepted", "CapClosed"]
    assert record["checkpoint"]["leaf"]["length"] == 8
    assert verify_record(record, trusted_keys=published_keys(stack)).ok
    return cap, record


def problems(result: Verification) -> list[tuple[str, int | None]]:
    return [(problem.kind, problem.entry) for problem in result.problems]


@pytest.fixture
def caps(stack: Stack):
    client = MongoClient(stack.mongo_url, serverSelectionTimeoutMS=5000)
    yield client[CAP_DATABASE].caps
    client.close()


def disclosed(entry: dict) -> dict[str, str]:
    return {name: value for _, name, value in entry["disclosures"]}


def test_a_member_and_the_factory_export_the_record_that_the_cap_view_shows(stack: Stack, cast: Cast) -> None:
    cap, by_b = signed_record(stack, cast)
    member_a, member_b = (cast.organisations[m].organisation_id for m in ("member_a", "member_b"))
    wages = cap["items"][0]
    assert [(d["decision"], d["comment"]) for d in wages["decisions"]] == [
        ("reject", "Payslips for March are missing."), ("accept", "Complete now.")]
    rejected, accepted = by_b["entries"][2], by_b["entries"][4]
    assert rejected["data"]["comment"] == "Payslips for March are missing."
    # Member B reads its own decision's author, not member A's: A's id is only a commitment in B's copy.
    assert disclosed(rejected) == {} and member_a not in json.dumps(by_b)
    assert disclosed(accepted)["member_id"] == member_b
    by_factory = export(cast.factory, cap["cap_id"])
    assert disclosed(by_factory["entries"][2])["member_id"] == member_a
    assert [{k: v for k, v in e.items() if k != "disclosures"} for e in by_factory["entries"]] == [
        {k: v for k, v in e.items() if k != "disclosures"} for e in by_b["entries"]]
    assert verify_record(by_factory).ok
    assert [key["kid"] for key in by_b["keys"]] == [by_b["checkpoint"]["body"]["kid"]]


def test_the_record_is_404_for_a_member_not_linked_as_for_an_unknown_cap(stack: Stack, cast: Cast) -> None:
    cap = open_cap(cast, [finding("4 Non-discrimination")])
    outsider_org = cast.operator.register_organisation("Brand E (not linked)", "member")
    outsider = PlatformClient.login(stack.gateway_url, outsider_org.client_id, outsider_org.client_secret)
    try:
        with pytest.raises(ApiError) as hidden:
            export(outsider, cap["cap_id"])
        with pytest.raises(ApiError) as unknown:
            export(outsider, "no-such-cap")
        assert hidden.value.status == unknown.value.status == 404
    finally:
        outsider.close()


def test_a_decision_altered_in_the_database_is_named_by_its_entry(stack: Stack, cast: Cast, caps) -> None:
    cap, _ = signed_record(stack, cast)
    # An intruder turns member A's rejection into an acceptance, leaving the stored hash as it was.
    changed = caps.update_one({"_id": cap["cap_id"], "history.seq": 2},
                              {"$set": {"history.$.data.comment": "Looks fine.",
                                        "history.$.type": "CapItemAccepted"}})
    assert changed.modified_count == 1

    result = verify_record(export(cast.member_a, cap["cap_id"]), trusted_keys=published_keys(stack))
    assert problems(result) == [("hash-mismatch", 2)]
    # The view reads its decisions from the same record: what it shows is what verification flags.
    assert cast.member_a.cap(cap["cap_id"])["items"][0]["decisions"][0]["comment"] == "Looks fine."


def test_a_decision_deleted_from_the_database_is_named_as_the_gap(stack: Stack, cast: Cast, caps) -> None:
    cap, _ = signed_record(stack, cast)
    caps.update_one({"_id": cap["cap_id"]}, {"$pull": {"history": {"seq": 2}}})

    result = verify_record(export(cast.member_a, cap["cap_id"]), trusted_keys=published_keys(stack))
    assert problems(result) == [("missing-entry", 2)]
    assert "entry 3 follows entry 1" in result.problems[0].message


def test_two_entries_reordered_without_signing_again_are_detected(stack: Stack, cast: Cast, caps) -> None:
    cap, _ = signed_record(stack, cast)
    history = caps.find_one({"_id": cap["cap_id"]})["history"]
    history[4], history[5] = history[5], history[4]
    caps.update_one({"_id": cap["cap_id"]}, {"$set": {"history": history}})

    result = verify_record(export(cast.member_a, cap["cap_id"]), trusted_keys=published_keys(stack))
    assert problems(result) == [("reordered", 4)]


def test_a_history_rewritten_with_recomputed_hashes_is_not_signed_again(stack: Stack, cast: Cast, caps) -> None:
    from shared_audits_cli.record_verification import entry_hash

    cap, record = signed_record(stack, cast)
    # A careful intruder: the comment changed and every hash after it recomputed, so the chain holds.
    history = caps.find_one({"_id": cap["cap_id"]})["history"]
    history[2]["data"]["comment"] = "Looks fine."
    for seq in range(2, len(history)):
        history[seq]["previous"] = history[seq - 1]["hash"]
        history[seq]["hash"] = entry_hash({k: v for k, v in history[seq].items() if k != "_id"})
    caps.update_one({"_id": cap["cap_id"]}, {"$set": {"history": history}})
    signed = sign_checkpoint(cast)  # the signer refuses to sign the rewritten head: it keeps the old one

    again = export(cast.member_a, cap["cap_id"])
    assert again["checkpoint"]["leaf"] == record["checkpoint"]["leaf"]
    assert signed["body"]["sequence"] >= record["checkpoint"]["body"]["sequence"]
    assert problems(verify_record(again, trusted_keys=published_keys(stack))) == [("head-mismatch", 7)]


def test_shared_audits_verify_passes_an_untouched_export_offline(stack: Stack, cast: Cast, tmp_path: Path) -> None:
    cap, _ = signed_record(stack, cast)
    saved, keys = tmp_path / "cap-record.json", tmp_path / "record-keys.json"
    saved.write_text(json.dumps(export(cast.factory, cap["cap_id"])), encoding="utf-8")
    keys.write_text(json.dumps({"keys": published_keys(stack)}), encoding="utf-8")

    # Offline: no gateway address that answers, no proxy; only the two files.
    offline = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "GATEWAY_URL": "http://127.0.0.1:9",
               "NO_PROXY": "*"}
    cli = REPO / ".venv" / "bin" / "shared-audits"
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "shared_audits_cli.main"]
    verified = subprocess.run([*command, "verify", str(saved), "--keys", str(keys)], env=offline,
                              capture_output=True, text=True, timeout=60, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "verified" in verified.stdout and "covering 8 entries" in verified.stdout

    record = json.loads(saved.read_text(encoding="utf-8"))
    record["entries"][6]["data"]["decision"] = "reject"
    saved.write_text(json.dumps(record), encoding="utf-8")
    refused = subprocess.run([*command, "verify", str(saved), "--keys", str(keys)], env=offline,
                             capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode == 1 and "entry 6" in refused.stdout, refused.stdout + refused.stderr


def test_after_a_key_rotation_old_checkpoints_still_verify(stack: Stack, cast: Cast) -> None:
    _, record = signed_record(stack, cast)
    rotated = cast.operator.call("POST", "/caps/record-keys/rotations")
    with pytest.raises(ApiError) as refused:
        cast.member_a.call("POST", "/caps/record-keys/rotations")
    assert refused.value.status == 403
    keys = {key["kid"]: key for key in published_keys(stack)}
    old_kid = record["checkpoint"]["body"]["kid"]
    assert keys[rotated["kid"]]["retired_at"] is None and keys[old_kid]["retired_at"] is not None
    assert verify_record(record, trusted_keys=list(keys.values())).ok
    # The next checkpoint the platform signs is the new key's.
    cap_of(cast, publish_report(cast, [finding("3 Forced labour")])["audit_id"])  # a new chain to sign
    assert sign_checkpoint(cast)["body"]["kid"] == rotated["kid"]
