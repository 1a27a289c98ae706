"""In-memory fakes of cap-service's ports (service_layer/ports.py), and the unit tests' world.

The world: members m-a and m-b are linked to factory f-1 (m-z to none); REPORT has a critical
item (deadline 2026-03-31) and a minor one (2026-05-30).

Each keeps the contract of its real adapter in adapters/; tools/cli/tests/test_record_verification.py
makes records with them too, so the CLI's reader is held to the service's writer.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from cap_service.adapters.record_keys import RecordSigningKey
from cap_service.domain.checkpoints import ChainHead, CheckpointProof, SignedCheckpoint
from cap_service.domain.model import Cap
from cap_service.service_layer.handlers import CapHandlers
from shared_audits.contracts import wrap
from shared_audits.contracts.events import AuditReportPublished, EvidenceStored
from shared_audits.testing import InMemoryAggregateStore

# ---------------------------------------------------------------- the world

LINKED_MEMBERS = ("m-a", "m-b")
OTHER_MEMBER = "m-z"
REPORT = AuditReportPublished(
    audit_id="a-1",
    factory_id="f-1",
    audit_type="initial",
    compliance_percentage=60,
    letter="C",
    rule_set_version="2026.1",
    published_at=datetime(2026, 3, 1, tzinfo=UTC),
    findings=[
        {"finding_id": "n-1", "chapter": "9", "severity": "critical", "description": "Exit locked", "recommended_action": "Unlock"},
        {"finding_id": "n-2", "chapter": "7", "severity": "minor", "description": "Overtime log", "recommended_action": "Keep log"},
    ],
)
RECORD_NOW = datetime(2026, 4, 2, 9, tzinfo=UTC)  # the record's clock: after the report, before the deadlines move


def stored(cap: Cap, item_index: int, evidence_id: str) -> EvidenceStored:
    return EvidenceStored(
        evidence_id=evidence_id, factory_id="f-1", cap_id=cap.id, item_id=cap.items[item_index].item_id,
        filename="e.pdf", content_type="application/pdf", size_bytes=10, sha256="0" * 64,
    )


def follow_up(findings: list[dict], follows: str | None = None) -> AuditReportPublished:
    return AuditReportPublished(
        audit_id="a-2", factory_id="f-1", audit_type="follow_up", compliance_percentage=80, letter="B",
        rule_set_version="2026.1", published_at=datetime(2026, 9, 1, tzinfo=UTC), findings=findings,
        follows_audit_id=follows,
    )


async def open_cap(caps: CapHandlers) -> Cap:
    await caps.open_cap(REPORT, wrap(REPORT, producer="audit-service"))
    return await caps.caps.get(Cap.id_for_audit("a-1"))


async def open_caps(caps: CapHandlers, audit_ids: list[str]) -> None:
    """One CAP per audit id, each from the same findings as REPORT."""
    for audit_id in audit_ids:
        report = REPORT.model_copy(update={"audit_id": audit_id})
        await caps.open_cap(report, wrap(report, producer="audit-service"))


# ---------------------------------------------------------------- the fakes


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
