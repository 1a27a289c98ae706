"""What cap-service's handlers need from the outside world: each port, its adapter in adapters/,
its fake in tests/unit/fakes.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from cap_service.domain.checkpoints import ChainHead, CheckpointProof, SignedCheckpoint
from cap_service.domain.model import Cap
from shared_audits.store import AggregateStore

# the CAPs (handlers.py, record.py; merges.py names only the shared ReassignableStore side of it)

CapStore = AggregateStore[Cap]


# the tamper-evident record (record.py)

class ChainHeads(Protocol):
    async def heads(self) -> list[ChainHead]: ...


class CheckpointStore(Protocol):
    async def latest(self, complete_only: bool = False) -> SignedCheckpoint | None: ...
    async def leaves_of(self, sequence: int) -> list[ChainHead]: ...
    async def claim(self, checkpoint: SignedCheckpoint) -> bool: ...
    async def add_proofs(self, sequence: int, proofs: list[CheckpointProof]) -> None: ...
    async def complete(self, sequence: int) -> None: ...
    async def prune_before(self, sequence: int) -> None: ...
    async def proof_for(self, cap_id: str) -> tuple[SignedCheckpoint, CheckpointProof] | None: ...


class Signer(Protocol):
    kid: str

    def sign(self, message: bytes) -> str: ...


class RecordKeys(Protocol):
    async def ensure_key(self, now: datetime) -> None: ...
    async def signer(self) -> Signer: ...
    async def rotate(self, now: datetime) -> dict[str, Any]: ...
    async def published(self) -> list[dict[str, Any]]: ...


Verify = Callable[[dict[str, Any], bytes, str], bool]  # (public JWK, message, signature) -> valid
