"""Signed checkpoints: every CAP's chain head, at one moment, under one Ed25519 signature.

The heads are the leaves of a Merkle tree (RFC 9162 section 2.1: leaf hash
SHA-256(0x00 || leaf), node hash SHA-256(0x01 || left || right)), and the
platform signs the tree's root. A CAP's export carries its own leaf and the
audit path to the root, so it proves its head was signed without showing any
other CAP (the other leaves appear only as hashes).

The signer never signs a rewritten history: a chain that no longer extends the
head signed before keeps its old leaf (``leaf_to_sign``).

Pure: no I/O, no keys (the signature is made by an adapter).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cap_service.domain.record import RecordEntry, canonical_json, chain_problems, sha256_hex

CHECKPOINT_FORMAT = "shared-audits/cap-record-checkpoint"
RECORD_FORMAT = "shared-audits/cap-record"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ChainHead:
    """A leaf: the CAP, how many entries its chain had, and the hash of the last one."""

    cap_id: str
    length: int
    head: str

    def as_json(self) -> dict[str, Any]:
        return {"cap_id": self.cap_id, "length": self.length, "head": self.head}


def leaf_hash(leaf: ChainHead) -> bytes:
    return hashlib.sha256(b"\x00" + canonical_json(leaf.as_json())).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleTree:
    """The RFC 9162 tree over leaf hashes, built level by level (an unpaired last node moves up as it is)."""

    def __init__(self, leaf_hashes: list[bytes]) -> None:
        if not leaf_hashes:
            raise ValueError("a checkpoint needs at least one chain")
        self.levels = [list(leaf_hashes)]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            above = [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
            if len(below) % 2:
                above.append(below[-1])
            self.levels.append(above)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    def audit_path(self, index: int) -> list[bytes]:
        """The sibling hashes from the leaf up to the root (RFC 9162 PATH(m, D[n]))."""
        path = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            index //= 2
        return path


def root_from_audit_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """The root an audit path leads to (RFC 9162 section 2.1.3.2); None when the path cannot fit the tree."""
    if index >= size:
        return None
    fn, sn, node = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = node_hash(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    return node if sn == 0 else None


def leaf_to_sign(cap_id: str, chain: list[RecordEntry], signed: ChainHead | None) -> tuple[ChainHead | None, str | None]:
    """The head to sign for a chain, and why the current one is refused (None: it is not).

    The current head is signed when the chain is intact and still holds, unchanged,
    the entries signed before. Otherwise the head signed before is signed again
    (None when there was none), so a rewritten history never gets a signature.
    """
    problems = chain_problems(cap_id, chain)
    if signed is not None and (len(chain) < signed.length or chain[signed.length - 1].hash != signed.head):
        problems.insert(0, f"it no longer holds the {signed.length} entries signed before")
    if problems or not chain:
        return signed, "; ".join(problems) or "it has no entries"
    return ChainHead(cap_id, len(chain), chain[-1].hash), None


@dataclass(frozen=True)
class CheckpointProof:
    """Where one chain's head sits in a checkpoint's tree."""

    leaf: ChainHead
    index: int
    audit_path: list[str]  # hex, leaf to root


@dataclass(frozen=True)
class SignedCheckpoint:
    body: dict[str, Any]
    signature: str  # base64url Ed25519 signature of canonical_json(body)
    complete: bool = False  # every proof of it is stored

    @property
    def sequence(self) -> int:
        return int(self.body["sequence"])

    @property
    def root(self) -> str:
        return str(self.body["root"])

    @property
    def kid(self) -> str:
        return str(self.body["kid"])

    def digest(self) -> str:
        """What the next checkpoint names as its ``previous``."""
        return sha256_hex(canonical_json(self.body))


@dataclass
class CheckpointPlan:
    """A checkpoint to sign: its body and every chain's proof in it."""

    body: dict[str, Any]
    proofs: list[CheckpointProof] = field(default_factory=list)

    def signing_input(self) -> bytes:
        return canonical_json(self.body)


def plan_checkpoint(
    leaves: list[ChainHead], latest: SignedCheckpoint | None, kid: str, now: datetime
) -> CheckpointPlan:
    """The body to sign over ``leaves`` (ordered by CAP id), following ``latest``."""
    ordered = sorted(leaves, key=lambda leaf: leaf.cap_id)
    tree = MerkleTree([leaf_hash(leaf) for leaf in ordered])
    body = {
        "format": CHECKPOINT_FORMAT,
        "version": FORMAT_VERSION,
        "sequence": latest.sequence + 1 if latest else 1,
        "signed_at": now.isoformat(),
        "tree_size": tree.size,
        "root": tree.root.hex(),
        "previous": latest.digest() if latest else None,
        "kid": kid,
    }
    proofs = [CheckpointProof(leaf, index, [h.hex() for h in tree.audit_path(index)])
              for index, leaf in enumerate(ordered)]
    return CheckpointPlan(body, proofs)


def tree_root(leaves: list[ChainHead]) -> str:
    """The root over leaves in CAP id order (to check stored leaves against a signed root)."""
    return MerkleTree([leaf_hash(leaf) for leaf in sorted(leaves, key=lambda leaf: leaf.cap_id)]).root.hex()


def record_document(
    cap_id: str,
    entries: list[dict[str, Any]],
    checkpoint: SignedCheckpoint | None,
    proof: CheckpointProof | None,
    keys: list[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    """A CAP's record with its proofs, as exported: everything an offline verifier needs."""
    signed = None
    if checkpoint is not None and proof is not None:
        signed = {
            "body": checkpoint.body,
            "signature": checkpoint.signature,
            "leaf": proof.leaf.as_json(),
            "leaf_index": proof.index,
            "audit_path": proof.audit_path,
        }
    return {
        "format": RECORD_FORMAT,
        "version": FORMAT_VERSION,
        "cap_id": cap_id,
        "exported_at": now.isoformat(),
        "entries": entries,
        "checkpoint": signed,
        "keys": keys,
    }
