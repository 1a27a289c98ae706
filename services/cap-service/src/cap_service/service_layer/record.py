"""Use cases of the tamper-evident record: sign checkpoints, export a CAP's record, publish and rotate keys."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cap_service.domain.checkpoints import (
    ChainHead,
    SignedCheckpoint,
    leaf_to_sign,
    plan_checkpoint,
    record_document,
    tree_root,
)
from cap_service.domain.errors import RecordIntegrityError
from cap_service.domain.record import canonical_json
from cap_service.service_layer.ports import CapStore, ChainHeads, CheckpointStore, RecordKeys, Verify
from shared_audits.auth import Principal
from shared_audits.errors import NotFoundError, PermissionDeniedError
from shared_audits.links import LinkProjection, may_see_factory

logger = logging.getLogger(__name__)


Sees = Callable[[str], bool]  # whether a reader may see a member's id (and its users')


def own_identity_only(caller: Principal) -> Sees:
    """The strictest reading of who sees whom: a member sees its own id only; the operator and the factory all."""
    if caller.is_member:
        return lambda member_id: member_id == caller.organisation_id
    return lambda member_id: True


@dataclass
class CapRecords:
    caps: CapStore
    heads: ChainHeads
    checkpoints: CheckpointStore
    keys: RecordKeys
    links: LinkProjection
    verify_signature: Verify
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def sign_checkpoint(self) -> SignedCheckpoint | None:
        """The scheduled job: sign every chain's head in one checkpoint (None: nothing changed, or another
        instance signed this one first).

        A chain that changed since the last checkpoint is read whole and checked: intact, and
        still holding what was signed before. One that is not keeps its old head, and the
        refusal is logged as an error (someone altered the database).
        """
        previous = await self.checkpoints.latest(complete_only=True)
        signed_before = await self._signed_leaves(previous)
        if signed_before is None:
            return None  # another instance completed a newer checkpoint meanwhile
        leaves: list[ChainHead] = []
        current = await self.heads.heads()
        for head in current:
            before = signed_before.get(head.cap_id)
            if before == head:
                leaves.append(head)
                continue
            cap = await self.caps.get(head.cap_id)
            leaf, refused = leaf_to_sign(head.cap_id, cap.history if cap else [], before)
            if refused:
                logger.error("record of CAP %s left as last signed: %s", head.cap_id, refused)
            if leaf is not None:
                leaves.append(leaf)
        for cap_id in signed_before.keys() - {head.cap_id for head in current}:
            logger.error("record of CAP %s left as last signed: its entries are gone", cap_id)
            leaves.append(signed_before[cap_id])
        if not leaves or set(leaves) == set(signed_before.values()):
            return None
        signer = await self.keys.signer()
        plan = plan_checkpoint(leaves, await self.checkpoints.latest(), signer.kid, self.clock())
        checkpoint = SignedCheckpoint(plan.body, signer.sign(plan.signing_input()))
        if not await self.checkpoints.claim(checkpoint):
            return None
        await self.checkpoints.add_proofs(checkpoint.sequence, plan.proofs)
        await self.checkpoints.complete(checkpoint.sequence)
        await self.checkpoints.prune_before(checkpoint.sequence)
        logger.info("record checkpoint signed", extra={"sequence": checkpoint.sequence, "chains": len(leaves)})
        return SignedCheckpoint(checkpoint.body, checkpoint.signature, True)

    async def _signed_leaves(self, checkpoint: SignedCheckpoint | None) -> dict[str, ChainHead] | None:
        """The heads a checkpoint signed, once checked against its signature and root."""
        if checkpoint is None:
            return {}
        leaves = await self.checkpoints.leaves_of(checkpoint.sequence)
        key = next((k for k in await self.keys.published() if k["kid"] == checkpoint.kid), None)
        intact = (
            key is not None
            and self.verify_signature(key, canonical_json(checkpoint.body), checkpoint.signature)
            and len(leaves) == checkpoint.body["tree_size"]
            and tree_root(leaves) == checkpoint.root
        )
        if intact:
            return {leaf.cap_id: leaf for leaf in leaves}
        newest = await self.checkpoints.latest(complete_only=True)
        if newest is not None and newest.sequence != checkpoint.sequence:
            return None  # its proofs were pruned while read: a newer one is complete
        raise RecordIntegrityError(
            f"checkpoint {checkpoint.sequence} does not match its signature or its stored leaves; "
            "nothing is signed until an operator has looked")

    async def sign_checkpoint_now(self, caller: Principal) -> SignedCheckpoint | None:
        """An operator signs a checkpoint without waiting for the schedule (before an export, in tests)."""
        if not caller.is_operator:
            raise PermissionDeniedError("only the platform operator signs record checkpoints")
        return await self.sign_checkpoint() or await self.checkpoints.latest()

    async def export(self, caller: Principal, cap_id: str, sees: Sees | None = None) -> dict[str, Any]:
        """A CAP's record with its latest checkpoint and the keys that verify it; seen by those who see the CAP.

        Who decided is disclosed only where ``sees`` (by default ``own_identity_only``) lets the
        caller see that member, as the CAP view shows it; the chain verifies either way.
        """
        cap = await self.caps.get(cap_id)
        if cap is None or not await may_see_factory(caller, cap.factory_id, self.links):
            raise NotFoundError(f"CAP {cap_id} not found")
        checkpoint, proof = await self.checkpoints.proof_for(cap.id) or (None, None)
        keys = [key for key in await self.keys.published() if checkpoint is not None and key["kid"] == checkpoint.kid]
        entries = [entry.for_reader(sees or own_identity_only(caller)) for entry in cap.history]
        return record_document(cap.id, entries, checkpoint, proof, keys, self.clock())

    async def published_keys(self) -> dict[str, list[dict[str, Any]]]:
        """Every public key that ever signed a checkpoint (JWKS shape, with creation and retirement times)."""
        return {"keys": await self.keys.published()}

    async def rotate_key(self, caller: Principal) -> dict[str, Any]:
        if not caller.is_operator:
            raise PermissionDeniedError("only the platform operator rotates the record signing key")
        return await self.keys.rotate(self.clock())
