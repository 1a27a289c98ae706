"""What evidence-store does when factory-registry merges two sites.

Evidence records, open upload sessions and the known CAP items move to the
surviving id. The S3 objects stay where they are: each record names its object
key, and the key's factory prefix only groups objects for operators. Replaying
the event finds nothing left to move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoriesMerged
from shared_audits.store import ReassignableStore


class MergeableCapItems(Protocol):
    async def merge_sites(self, merged_id: str, surviving_id: str) -> None: ...


@dataclass
class SiteMerges:
    evidence: ReassignableStore
    uploads: ReassignableStore
    cap_items: MergeableCapItems

    async def apply_merged(self, event: FactoriesMerged, envelope: EventEnvelope) -> None:
        await self.cap_items.merge_sites(event.merged_factory_id, event.factory_id)
        await self.evidence.reassign("factory_id", event.merged_factory_id, event.factory_id)
        await self.uploads.reassign("factory_id", event.merged_factory_id, event.factory_id)
