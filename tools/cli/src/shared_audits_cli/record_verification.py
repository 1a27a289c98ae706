"""Offline verification of a CAP's exported record (``shared-audits verify FILE``).

Written from the format's specification (docs/tamper-evident-record.md), apart
from cap-service's code, so a fault in one does not hide in the other. It needs
the file and, to trust the signature, the platform's public keys (those in the
file, or better a keys file fetched from ``GET /caps/record-keys``); nothing else.

Every problem names the entry it concerns, by its ``seq``: a changed entry
(hash mismatch), a missing one (a gap in the sequence, or fewer entries than
the checkpoint signed), entries out of order, a broken link, a disclosed
identity that is not the one committed to, or a checkpoint whose signature or
Merkle proof does not hold.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

RECORD_FORMAT = "shared-audits/cap-record"
CHECKPOINT_FORMAT = "shared-audits/cap-record-checkpoint"
ENTRY_FIELDS = {"seq": int, "cap_id": str, "type": str, "version": int, "at": str, "data": dict, "hash": str}


@dataclass(frozen=True)
class Finding:
    kind: str  # hash-mismatch, missing-entry, reordered, broken-link, bad-signature, ...
    message: str
    entry: int | None = None  # the entry's seq, when the finding is about one

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "entry": self.entry, "message": self.message}


@dataclass
class Verification:
    cap_id: str | None = None
    entries: int = 0
    signed_entries: int = 0  # how many entries the checkpoint covers
    checkpoint: dict[str, Any] | None = None
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "cap_id": self.cap_id, "entries": self.entries, "signed_entries": self.signed_entries,
                "checkpoint": self.checkpoint, "problems": [p.as_json() for p in self.problems],
                "warnings": [w.as_json() for w in self.warnings]}


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 (hex) over the RFC 8785 JSON of every field of the entry but ``hash`` and ``disclosures``."""
    return _sha256(rfc8785.dumps({k: v for k, v in entry.items() if k not in ("hash", "disclosures")})).hex()


def _commitments(value: Any, found: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Every (field name, digest) committed to as ``{"_sd": digest}`` in an entry's data."""
    if isinstance(value, list):
        for element in value:
            _commitments(element, found)
    elif isinstance(value, dict):
        for name, inner in value.items():
            if isinstance(inner, dict) and set(inner) == {"_sd"}:
                found.add((name, inner["_sd"]))
            else:
                _commitments(inner, found)
    return found


def _disclosure_problems(entry: dict[str, Any]) -> list[Finding]:
    """A disclosure ``[salt, name, value]`` must hash to a commitment of that name in the entry's data."""
    committed = _commitments(entry["data"], set())
    problems = []
    for disclosure in entry.get("disclosures") or []:
        name = disclosure[1] if isinstance(disclosure, list) and len(disclosure) == 3 else "value"
        digest = _sha256(rfc8785.dumps(disclosure)).hex() if isinstance(disclosure, list) else ""
        if (name, digest) not in committed:
            problems.append(Finding("disclosure-mismatch", f"entry {entry['seq']} discloses a {name} it does not "
                                    "commit to: the disclosed value was changed", entry["seq"]))
    return problems


def leaf_hash(leaf: dict[str, Any]) -> bytes:
    return _sha256(b"\x00" + rfc8785.dumps({"cap_id": leaf["cap_id"], "length": leaf["length"], "head": leaf["head"]}))


def root_from_audit_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """RFC 9162 section 2.1.3.2: the root a leaf's audit path leads to (None: the path cannot fit)."""
    if not 0 <= index < size:
        return None
    fn, sn, node = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            node = _sha256(b"\x01" + sibling + node)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = _sha256(b"\x01" + node + sibling)
        fn, sn = fn >> 1, sn >> 1
    return node if sn == 0 else None


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signature_holds(jwk: dict[str, Any], message: bytes, signature: str) -> bool:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        return False
    try:
        Ed25519PublicKey.from_public_bytes(_unb64url(jwk["x"])).verify(_unb64url(signature), message)
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return False
    return True


def keys_from(document: Any) -> list[dict[str, Any]]:
    """Public keys from a JWKS (``{"keys": [...]}``, as ``GET /caps/record-keys`` answers), a list, or one JWK."""
    if isinstance(document, dict) and isinstance(document.get("keys"), list):
        document = document["keys"]
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list) or not all(isinstance(key, dict) and "kid" in key for key in document):
        raise ValueError("not a JWK, a list of JWKs or a JWKS")
    return document


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs: [3, 4, 7] -> [(3, 4), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def _span(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first}-{last}"


def verify_record(
    document: Any, trusted_keys: list[dict[str, Any]] | None = None, strict: bool = False
) -> Verification:
    """Check an exported record; ``trusted_keys`` (from outside the file) take the place of the file's keys."""
    result = Verification()
    if not isinstance(document, dict) or document.get("format") != RECORD_FORMAT or document.get("version") != 1:
        result.problems.append(Finding("malformed", f"not a CAP record ({RECORD_FORMAT}, version 1)"))
        return result
    cap_id = result.cap_id = document.get("cap_id")
    raw_entries = document.get("entries")
    if not isinstance(cap_id, str) or not isinstance(raw_entries, list):
        result.problems.append(Finding("malformed", "the record has no cap_id or no entries list"))
        return result

    entries: list[dict[str, Any]] = []
    for position, entry in enumerate(raw_entries):
        wrong = [name for name, kind in ENTRY_FIELDS.items()
                 if not isinstance(entry, dict) or not isinstance(entry.get(name), kind) or isinstance(entry.get(name), bool)]
        if isinstance(entry, dict) and not (entry.get("previous") is None or isinstance(entry.get("previous"), str)):
            wrong.append("previous")
        if isinstance(entry, dict) and not isinstance(entry.get("disclosures", []), list):
            wrong.append("disclosures")
        if wrong:
            seq = entry.get("seq") if isinstance(entry, dict) and isinstance(entry.get("seq"), int) else None
            result.problems.append(Finding("malformed", f"the entry at position {position} has missing or "
                                           f"mistyped fields: {', '.join(wrong)}", seq))
            continue
        entries.append(entry)
    result.entries = len(raw_entries)
    computed = {id(entry): entry_hash(entry) for entry in entries}
    changed: set[int] = set()

    _check_order(entries, result)
    for entry in entries:
        if entry["cap_id"] != cap_id:
            result.problems.append(Finding("wrong-cap", f"entry {entry['seq']} belongs to CAP {entry['cap_id']}, "
                                           f"not {cap_id}", entry["seq"]))
        if computed[id(entry)] != entry["hash"]:
            changed.add(entry["seq"])
            result.problems.append(Finding(
                "hash-mismatch", f"entry {entry['seq']} ({entry['type']}) was changed after it was recorded: its "
                "content no longer matches its hash", entry["seq"]))
        result.problems += _disclosure_problems(entry)
    _check_links(entries, computed, changed, result)

    checkpoint = document.get("checkpoint")
    if checkpoint is None:
        finding = Finding("no-checkpoint", "no signed checkpoint covers this record yet: the chain shows the entries "
                          "hang together, not that the platform recorded them (export again after the next checkpoint)")
        (result.problems if strict else result.warnings).append(finding)
        return result
    by_seq = {entry["seq"]: entry for entry in entries}
    _check_checkpoint(checkpoint, cap_id, by_seq, computed, changed, document.get("keys"), trusted_keys, strict, result)
    return result


def _check_order(entries: list[dict[str, Any]], result: Verification) -> None:
    """Missing, repeated and misplaced entries, by their seq."""
    seqs = [entry["seq"] for entry in entries]
    present = set(seqs)
    for seq in sorted(s for s in present if seqs.count(s) > 1):
        result.problems.append(Finding("duplicate-entry", f"entry {seq} appears {seqs.count(seq)} times", seq))
    if seqs:
        missing = sorted(set(range(max(seqs) + 1)) - present)
        for first, last in _runs(missing):
            before = f"entry {last + 1} follows entry {first - 1}" if first > 0 else f"the record starts at entry {last + 1}"
            result.problems.append(Finding("missing-entry", f"{_span(first, last)} missing: {before}", first))
    for position in range(len(seqs) - 1):
        if seqs[position] > seqs[position + 1]:
            result.problems.append(Finding(
                "reordered", f"entries out of order: entry {seqs[position]} is placed before entry "
                f"{seqs[position + 1]} (position {position})", seqs[position + 1]))


def _check_links(
    entries: list[dict[str, Any]], computed: dict[int, str], changed: set[int], result: Verification
) -> None:
    """Each entry names the hash of the one before it (checked in seq order; a gap is reported as missing)."""
    ordered = sorted(entries, key=lambda entry: entry["seq"])
    if ordered and ordered[0]["seq"] == 0 and ordered[0].get("previous") is not None:
        result.problems.append(Finding("broken-link", "entry 0 names a predecessor: the record's beginning is "
                                       "not the CAP's", 0))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after["seq"] != before["seq"] + 1:
            continue
        if after.get("previous") == computed[id(before)]:
            continue
        if before["seq"] in changed and after.get("previous") == before["hash"]:
            continue  # entry ``before`` was changed in place: reported as its hash mismatch
        result.problems.append(Finding(
            "broken-link", f"entry {after['seq']} does not follow entry {before['seq']}: the hash it names for its "
            f"predecessor is not entry {before['seq']}'s (entry {before['seq']} was replaced, hash and all, or "
            f"entry {after['seq']} was)", before["seq"]))


def _check_checkpoint(
    checkpoint: Any,
    cap_id: str,
    by_seq: dict[int, dict[str, Any]],
    computed: dict[int, str],
    changed: set[int],
    file_keys: Any,
    trusted_keys: list[dict[str, Any]] | None,
    strict: bool,
    result: Verification,
) -> None:
    try:
        body, signature = checkpoint["body"], checkpoint["signature"]
        leaf, index = checkpoint["leaf"], checkpoint["leaf_index"]
        path = [bytes.fromhex(step) for step in checkpoint["audit_path"]]
        kid, size, root = body["kid"], body["tree_size"], bytes.fromhex(body["root"])
        length, head = int(leaf["length"]), leaf["head"]
        if body.get("format") != CHECKPOINT_FORMAT or body.get("version") != 1:
            raise ValueError(f"not a {CHECKPOINT_FORMAT} version 1")
    except (KeyError, TypeError, ValueError) as error:
        result.problems.append(Finding("malformed", f"the checkpoint cannot be read: {error!r}"))
        return
    result.checkpoint = {"sequence": body.get("sequence"), "signed_at": body.get("signed_at"), "kid": kid}

    keys = trusted_keys
    if keys is None:
        try:
            keys = keys_from({"keys": file_keys if isinstance(file_keys, list) else []})
        except ValueError:
            keys = []
        key = next((k for k in keys if k.get("kid") == kid), None)
        if key is not None:
            result.warnings.append(Finding("keys-from-file", f"the public key {kid} (x={key.get('x')}) came with the "
                                           "file itself; give --keys with the keys from GET /caps/record-keys to "
                                           "trust the signature"))
    key = next((k for k in keys if k.get("kid") == kid), None)
    if key is None:
        result.problems.append(Finding("unknown-key", f"the checkpoint was signed by key {kid}, which is not among "
                                       f"the {'trusted' if trusted_keys is not None else 'file'}'s public keys"))
    elif not signature_holds(key, rfc8785.dumps(body), signature):
        result.problems.append(Finding("bad-signature", f"the signature of checkpoint {body.get('sequence')} does "
                                       f"not hold for key {kid}: the checkpoint was altered or not signed by it"))

    if leaf.get("cap_id") != cap_id:
        result.problems.append(Finding("wrong-cap", f"the checkpoint's leaf is CAP {leaf.get('cap_id')}, not {cap_id}"))
    if root_from_audit_path(leaf_hash(leaf), index, size, path) != root:
        result.problems.append(Finding("proof-mismatch", "the leaf's audit path does not lead to the signed root: the "
                                       f"head it claims for this CAP ({length} entries) was not signed"))

    result.signed_entries = length
    signed_last = length - 1
    # Entries missing at the end show only against what was signed (a gap inside is reported already).
    tail = list(range(max(by_seq, default=-1) + 1, length))
    if tail:
        result.problems.append(Finding(
            "missing-entry", f"{_span(tail[0], tail[-1])} missing: the checkpoint signed {length} entries, the "
            f"record holds {len(by_seq)}", tail[0]))
    elif signed_last in by_seq and signed_last not in changed and computed[id(by_seq[signed_last])] != head:
        result.problems.append(Finding(
            "head-mismatch", f"entry {signed_last} is not the one the platform signed: the record up to it was "
            "rewritten (its hashes recomputed)", signed_last))
    later = sorted(seq for seq in by_seq if seq >= length)
    if later:
        finding = Finding("not-covered", f"{_span(later[0], later[-1])} came after the checkpoint of "
                          f"{body.get('signed_at')}: chained to it, not yet signed", later[0])
        (result.problems if strict else result.warnings).append(finding)
