"""What audit-service does when factory-registry merges two sites.

The merged site's audits (mandates and reports with them) move to the surviving
id; its readiness joins the survivor's; the risk read model counts the one site
once. Replaying the event finds nothing left to move.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit_service.service_layer.ports import MergeableProjection
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoriesMerged
from shared_audits.store import ReassignableStore


@dataclass
class SiteMerges:
    audits: ReassignableStore
    readiness: MergeableProjection
    risk: MergeableProjection

    async def apply_merged(self, event: FactoriesMerged, envelope: EventEnvelope) -> None:
        await self.audits.reassign("factory_id", event.merged_factory_id, event.factory_id)
        await self.readiness.merge_sites(event.merged_factory_id, event.factory_id)
        await self.risk.merge_sites(event.merged_factory_id, event.factory_id)
