"""What cap-service does when factory-registry merges two sites: the merged site's CAPs move.

Items, decisions and their history live inside the CAP document, so re-pointing
the CAP moves all of them. Replaying the event finds nothing left to move. The
record's entries keep the factory id they were recorded under: history is not rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoriesMerged
from shared_audits.store import ReassignableStore


@dataclass
class SiteMerges:
    caps: ReassignableStore

    async def apply_merged(self, event: FactoriesMerged, envelope: EventEnvelope) -> None:
        await self.caps.reassign("factory_id", event.merged_factory_id, event.factory_id)
