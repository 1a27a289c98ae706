"""What notifier does when factory-registry merges two sites.

Inbox entries and the factory event log move to the surviving id, so members
linked to the survivor (their links follow through access-control's events) see
what was told about either record. The delivery log stays as it was: it records
what was sent, about which id. Replaying the event finds nothing left to move.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoriesMerged

from notifier.service_layer.ports import MergeableProjection


@dataclass
class SiteMerges:
    inbox: MergeableProjection
    factory_log: MergeableProjection

    async def apply_merged(self, event: FactoriesMerged, envelope: EventEnvelope) -> None:
        await self.factory_log.merge_sites(event.merged_factory_id, event.factory_id)
        await self.inbox.merge_sites(event.merged_factory_id, event.factory_id)
