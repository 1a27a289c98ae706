"""A CAP's tamper-evident record: an append-only hash chain of what happened to it.

Each entry holds what was recorded (the event's type, version and payload), when,
its position ``seq`` and the hash of the entry before it; its own ``hash`` is
SHA-256 over the RFC 8785 (JCS) canonical JSON of every other field but its
``disclosures``. Changing, removing or moving an entry breaks a link that anyone
can recompute offline.

Who decided (a member's id, its user's id) is not in the hashed data itself but
committed to, as in SD-JWT: the data holds ``{"_sd": SHA-256 of [salt, name,
value]}`` and the entry's ``disclosures`` hold the ``[salt, name, value]``. An
export reveals a disclosure only to a reader who may see that member, so another
member's identity stays hidden while the chain still verifies; a disclosed value
that was changed no longer matches its commitment.

docs/tamper-evident-record.md is the format's specification; the offline
verifier (``shared-audits verify``) implements it independently of this module.

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

import rfc8785
from pydantic import BaseModel, ConfigDict

# The first entry of a CAP recorded before the chain existed: a snapshot of its history then.
RECORD_STARTED = "CapRecordStarted"
# Fields naming a member or a member's user: committed to, disclosed to whoever may see that member.
CONCEALED_FIELDS = ("member_id", "decided_by")
# The field whose disclosed value says which member a concealed field belongs to.
OWNER_FIELD = "member_id"
COMMITMENT = "_sd"


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON: the same value always gives the same bytes."""
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def disclosure_digest(disclosure: list[Any]) -> str:
    """The commitment to a ``[salt, name, value]`` disclosure."""
    return sha256_hex(canonical_json(disclosure))


def _commitment(value: Any) -> str | None:
    if isinstance(value, dict) and set(value) == {COMMITMENT} and isinstance(value[COMMITMENT], str):
        return value[COMMITMENT]
    return None


def conceal(data: Any, salt: Callable[[], str] = lambda: secrets.token_urlsafe(16)) -> tuple[Any, list[list[Any]]]:
    """``data`` with every concealed field (at any depth) replaced by its commitment, and the disclosures."""
    disclosures: list[list[Any]] = []

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(element) for element in value]
        if not isinstance(value, dict):
            return value
        out = {}
        for name, inner in value.items():
            if name in CONCEALED_FIELDS and inner is not None:
                disclosure = [salt(), name, inner]
                disclosures.append(disclosure)
                out[name] = {COMMITMENT: disclosure_digest(disclosure)}
            else:
                out[name] = walk(inner)
        return out

    return walk(data), disclosures


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
    disclosures: list[list[Any]] = []  # [salt, name, value] of each commitment in ``data``

    def body(self) -> dict[str, Any]:
        """What ``hash`` covers: every field but the hash and the disclosures."""
        return self.model_dump(mode="json", exclude={"hash", "disclosures"})

    def computed_hash(self) -> str:
        return sha256_hex(canonical_json(self.body()))

    def _disclosed(self) -> dict[str, list[Any]]:
        return {disclosure_digest(disclosure): disclosure for disclosure in self.disclosures}

    def revealed(self) -> dict[str, Any]:
        """``data`` with every commitment replaced by its disclosed value (for the service's own reads)."""
        disclosed = self._disclosed()

        def walk(value: Any) -> Any:
            digest = _commitment(value)
            if digest is not None and digest in disclosed:
                return disclosed[digest][2]
            if isinstance(value, list):
                return [walk(element) for element in value]
            if isinstance(value, dict):
                return {name: walk(inner) for name, inner in value.items()}
            return value

        return walk(self.data)

    def for_reader(self, sees: Callable[[str], bool]) -> dict[str, Any]:
        """The entry as exported to a reader: only the disclosures of members ``sees`` accepts."""
        disclosed = self._disclosed()
        shown: list[list[Any]] = []

        def walk(value: Any) -> None:
            if isinstance(value, list):
                for element in value:
                    walk(element)
            elif isinstance(value, dict):
                owner = disclosed.get(_commitment(value.get(OWNER_FIELD)) or "")
                for name, inner in value.items():
                    digest = _commitment(inner)
                    if digest in disclosed and owner is not None and sees(owner[2]):
                        shown.append(disclosed[digest])
                    else:
                        walk(inner)

        walk(self.data)
        return {**self.model_dump(mode="json", exclude={"disclosures"}), "disclosures": shown}

    def disclosure_problems(self) -> list[str]:
        """Disclosures that match no commitment of this entry's data."""
        committed: set[tuple[str, str]] = set()

        def walk(value: Any) -> None:
            if isinstance(value, list):
                for element in value:
                    walk(element)
            elif isinstance(value, dict):
                for name, inner in value.items():
                    digest = _commitment(inner)
                    if digest is not None:
                        committed.add((name, digest))
                    else:
                        walk(inner)

        walk(self.data)
        return [f"entry {self.seq} discloses a {disclosure[1]} it does not commit to" for disclosure in self.disclosures
                if len(disclosure) != 3 or (disclosure[1], disclosure_digest(disclosure)) not in committed]


def next_entry(
    chain: list[RecordEntry], cap_id: str, type_: str, version: int, at: datetime, data: dict[str, Any]
) -> RecordEntry:
    """The entry that extends ``chain`` with one recorded fact (who decided concealed, see the module)."""
    concealed, disclosures = conceal(data)
    body = {
        "seq": len(chain),
        "cap_id": cap_id,
        "type": type_,
        "version": version,
        "at": at.isoformat(),
        "data": concealed,
        "previous": chain[-1].hash if chain else None,
    }
    return RecordEntry(**body, hash=sha256_hex(canonical_json(body)), disclosures=disclosures)


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
        problems += entry.disclosure_problems()
        previous_hash = entry.hash
    return problems
