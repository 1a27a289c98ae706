"""Where checkpoints and their proofs live, and how the chains' heads are read.

``record_checkpoints`` holds one document per checkpoint (its signed body),
never changed but for ``complete``; ``record_checkpoint_proofs`` one document
per CAP and checkpoint (the leaf, its index and its audit path), inserted only,
so an export reads its CAP's latest proof in one indexed query. A checkpoint's
sequence number is its ``_id``: of two instances signing at once, one insert wins.
Proofs of checkpoints older than the latest complete one are pruned.
"""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from cap_service.domain.checkpoints import ChainHead, CheckpointProof, SignedCheckpoint

PROOFS_PER_WRITE = 1000


def _checkpoint(document: dict[str, Any]) -> SignedCheckpoint:
    return SignedCheckpoint(document["body"], document["signature"], bool(document.get("complete")))


def _leaf(document: dict[str, Any]) -> ChainHead:
    leaf = document["leaf"]
    return ChainHead(leaf["cap_id"], leaf["length"], leaf["head"])


class MongoChainHeads:
    """Every CAP's chain length and head hash, read without loading the CAPs."""

    def __init__(self, caps: AsyncCollection) -> None:
        self._caps = caps

    async def heads(self) -> list[ChainHead]:
        # The last entry first, then its hash: SecantusDB 0.5.3 answers null for a field path through an
        # array of documents ("$history.hash"); docs/tamper-evident-record.md has the reproduction.
        last = {"$arrayElemAt": ["$history", -1]}
        cursor = await self._caps.aggregate([
            {"$match": {"history.0": {"$exists": True}}},
            {"$project": {"length": {"$size": "$history"}, "head": {"$let": {"vars": {"last": last}, "in": "$$last.hash"}}}},
        ])
        return [ChainHead(document["_id"], document["length"], document["head"]) async for document in cursor]


class MongoCheckpointStore:
    def __init__(self, checkpoints: AsyncCollection, proofs: AsyncCollection) -> None:
        self._checkpoints = checkpoints
        self._proofs = proofs

    async def ensure_indexes(self) -> None:
        await self._proofs.create_index([("cap_id", 1), ("checkpoint", DESCENDING)])
        await self._proofs.create_index([("checkpoint", 1)])
        await self._checkpoints.create_index([("complete", 1), ("_id", DESCENDING)])

    async def latest(self, complete_only: bool = False) -> SignedCheckpoint | None:
        query = {"complete": True} if complete_only else {}
        document = await self._checkpoints.find_one(query, sort=[("_id", DESCENDING)])
        return _checkpoint(document) if document else None

    async def get(self, sequence: int) -> SignedCheckpoint | None:
        document = await self._checkpoints.find_one({"_id": sequence})
        return _checkpoint(document) if document else None

    async def leaves_of(self, sequence: int) -> list[ChainHead]:
        return [_leaf(document) async for document in self._proofs.find({"checkpoint": sequence}, {"leaf": 1})]

    async def claim(self, checkpoint: SignedCheckpoint) -> bool:
        """Store a new checkpoint; False when another instance stored one with the same sequence first."""
        try:
            await self._checkpoints.insert_one({"_id": checkpoint.sequence, "body": checkpoint.body,
                                                "signature": checkpoint.signature, "complete": False})
        except DuplicateKeyError:
            return False
        return True

    async def add_proofs(self, sequence: int, proofs: list[CheckpointProof]) -> None:
        for start in range(0, len(proofs), PROOFS_PER_WRITE):
            documents = [
                {"_id": f"{sequence}:{proof.leaf.cap_id}", "checkpoint": sequence, "cap_id": proof.leaf.cap_id,
                 "leaf": proof.leaf.as_json(), "index": proof.index, "audit_path": proof.audit_path}
                for proof in proofs[start:start + PROOFS_PER_WRITE]
            ]
            await self._proofs.insert_many(documents, ordered=False)

    async def complete(self, sequence: int) -> None:
        await self._checkpoints.update_one({"_id": sequence}, {"$set": {"complete": True}})

    async def prune_before(self, sequence: int) -> None:
        await self._proofs.delete_many({"checkpoint": {"$lt": sequence}})

    async def proof_for(self, cap_id: str) -> tuple[SignedCheckpoint, CheckpointProof] | None:
        """The latest checkpoint holding this CAP's head, and the proof of it."""
        document = await self._proofs.find_one({"cap_id": cap_id}, sort=[("checkpoint", DESCENDING)])
        if document is None:
            return None
        checkpoint = await self.get(document["checkpoint"])
        if checkpoint is None:
            return None
        return checkpoint, CheckpointProof(_leaf(document), document["index"], list(document["audit_path"]))
