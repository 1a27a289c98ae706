"""In-memory fakes of cap-service's ports (service_layer/ports.py), for the unit tests.

Each keeps the contract of its real adapter in adapters/; tools/cli/tests/test_record_verification.py
makes records with them too, so the CLI's reader is held to the service's writer.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from cap_service.adapters.record_keys import RecordSigningKey
from cap_service.domain.checkpoints import ChainHead, CheckpointProof, SignedCheckpoint
from cap_service.domain.model import Cap
from shared_audits.testing import InMemoryAggregateStore


class InMemoryChainHeads:
    """Every CAP's chain length and head, read from the CAPs themselves."""

    def __init__(self, caps: InMemoryAggregateStore[Cap]) -> None:
        self._caps = caps

    async def heads(self) -> list[ChainHead]:
        caps: list[Cap] = []
        while page := await self._caps.find(limit=100, after=caps[-1].id if caps else None):
            caps += page
        return [ChainHead(cap.id, len(cap.history), cap.history[-1].hash) for cap in caps if cap.history]


class InMemoryCheckpointStore:
    """``MongoCheckpointStore``'s contract: one winner per sequence number, proofs pruned before a checkpoint."""

    def __init__(self) -> None:
        self.checkpoints: dict[int, SignedCheckpoint] = {}
        self.proofs: dict[int, dict[str, CheckpointProof]] = {}

    async def latest(self, complete_only: bool = False) -> SignedCheckpoint | None:
        found = [c for c in self.checkpoints.values() if c.complete or not complete_only]
        return max(found, key=lambda c: c.sequence, default=None)

    async def get(self, sequence: int) -> SignedCheckpoint | None:
        return self.checkpoints.get(sequence)

    async def leaves_of(self, sequence: int) -> list[ChainHead]:
        return [proof.leaf for proof in self.proofs.get(sequence, {}).values()]

    async def claim(self, checkpoint: SignedCheckpoint) -> bool:
        if checkpoint.sequence in self.checkpoints:
            return False
        self.checkpoints[checkpoint.sequence] = checkpoint
        return True

    async def add_proofs(self, sequence: int, proofs: list[CheckpointProof]) -> None:
        self.proofs.setdefault(sequence, {}).update({proof.leaf.cap_id: copy.deepcopy(proof) for proof in proofs})

    async def complete(self, sequence: int) -> None:
        checkpoint = self.checkpoints[sequence]
        self.checkpoints[sequence] = SignedCheckpoint(checkpoint.body, checkpoint.signature, True)

    async def prune_before(self, sequence: int) -> None:
        self.proofs = {s: proofs for s, proofs in self.proofs.items() if s >= sequence}

    async def proof_for(self, cap_id: str) -> tuple[SignedCheckpoint, CheckpointProof] | None:
        for sequence in sorted(self.proofs, reverse=True):
            if cap_id in self.proofs[sequence]:
                return self.checkpoints[sequence], self.proofs[sequence][cap_id]
        return None


class InMemoryRecordKeys:
    """``MongoRecordKeys``' contract: the newest key not retired signs; a rotation retires the others."""

    def __init__(self) -> None:
        self.keys: list[tuple[RecordSigningKey, datetime, datetime | None]] = []

    async def ensure_key(self, now: datetime) -> None:
        if not any(retired is None for _, _, retired in self.keys):
            self.keys.append((RecordSigningKey.generate(), now, None))

    async def signer(self) -> RecordSigningKey:
        return next(key for key, _, retired in reversed(self.keys) if retired is None)

    async def rotate(self, now: datetime) -> dict[str, Any]:
        self.keys = [(key, made, retired or now) for key, made, retired in self.keys]
        key = RecordSigningKey.generate()
        self.keys.append((key, now, None))
        return {**key.public_jwk(), "created_at": now.isoformat(), "retired_at": None}

    async def published(self) -> list[dict[str, Any]]:
        return [{**key.public_jwk(), "created_at": made.isoformat(), "retired_at": retired.isoformat() if retired else None}
                for key, made, retired in self.keys]
