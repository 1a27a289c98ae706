"""A CAP's tamper-evident record: an append-only hash chain of what happened to it.

Each entry holds what was recorded (the event's type, version and payload), when,
its position ``seq`` and the hash of the entry before it; its own ``hash`` is
SHA-256 over the RFC 8785 (JCS) canonical JSON of every other field. Changing,
removing or moving an entry breaks a link that anyone can recompute offline.
docs/tamper-evident-record.md is the format's specification; the offline
verifier (``shared-audits verify``) implements it independently of this module.

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import rfc8785
from pydantic import BaseModel, ConfigDict

# The first entry of a CAP recorded before the chain existed: a snapshot of its history then.
RECORD_STARTED = "CapRecordStarted"


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON: the same value always gives the same bytes."""
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class RecordEntry(BaseModel):
    """One link of the chain. Fields hold JSON values only, so the stored form hashes as written."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)  # stored values are never coerced

    seq: int
    cap_id: str
    type: str
    version: int
    at: str  # ISO 8601, UTC
    data: dict[str, Any]
    previous: str | None  # the hash of entry seq - 1; None for the first
    hash: str

    def body(self) -> dict[str, Any]:
        """What ``hash`` covers: every field but the hash itself."""
        return self.model_dump(mode="json", exclude={"hash"})

    def computed_hash(self) -> str:
        return sha256_hex(canonical_json(self.body()))


def next_entry(
    chain: list[RecordEntry], cap_id: str, type_: str, version: int, at: datetime, data: dict[str, Any]
) -> RecordEntry:
    """The entry that extends ``chain`` with one recorded fact."""
    body = {
        "seq": len(chain),
        "cap_id": cap_id,
        "type": type_,
        "version": version,
        "at": at.isoformat(),
        "data": data,
        "previous": chain[-1].hash if chain else None,
    }
    return RecordEntry(**body, hash=sha256_hex(canonical_json(body)))


def chain_problems(cap_id: str, chain: list[RecordEntry]) -> list[str]:
    """Why ``chain`` is not an intact chain of ``cap_id`` (empty: it is)."""
    problems = []
    previous_hash: str | None = None
    for position, entry in enumerate(chain):
        if entry.seq != position:
            problems.append(f"entry at position {position} has seq {entry.seq}")
        if entry.cap_id != cap_id:
            problems.append(f"entry {position} belongs to CAP {entry.cap_id}")
        if entry.previous != previous_hash:
            problems.append(f"entry {position} does not follow entry {position - 1}")
        if entry.computed_hash() != entry.hash:
            problems.append(f"entry {position} does not match its hash")
        previous_hash = entry.hash
    return problems
