"""What access-control does when factory-registry merges two sites.

Links move through the usual events, so every service's link projection
follows: each member linked to the merged site is linked to the surviving site
(unless it already is) and its link to the merged site ends, both with the
reason "merged" in the link's history. A pending request to the merged site is
withdrawn there (reason "merged") and waits for the surviving site's answer
instead. The surviving link is written first, so
a crash in between leaves a member linked to both sites, never to neither; the
redelivered event finishes the job.

The merged site's factory organisation (and its users and Code of Conduct
signatures) now stand for the surviving site: its existing credentials keep
working, and the tokens issued from now on name the surviving site.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from access_control.domain.links import MERGED, LinkStatus, MemberFactoryLink
from access_control.service_layer.ports import LinkStore, SiteRecords
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoriesMerged

# Links moved per round; each round ends the links it found, so the next finds the rest.
LINK_BATCH = 200


@dataclass
class SiteMerges:
    links: LinkStore
    organisations: SiteRecords
    users: SiteRecords
    signatures: SiteRecords
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    new_id: Callable[[], str] = lambda: str(uuid.uuid4())

    async def apply_merged(self, event: FactoriesMerged, envelope: EventEnvelope) -> None:
        """Idempotent: a replayed event finds no active link to the merged site and nothing to re-point."""
        surviving_id, merged_id = event.factory_id, event.merged_factory_id
        while batch := await self.links.find(limit=LINK_BATCH, factory_id=merged_id, active=True):
            for merged_link in batch:
                await self._move_link(merged_link, surviving_id)
        while batch := await self.links.find(limit=LINK_BATCH, factory_id=merged_id,
                                             status=LinkStatus.REQUESTED.value):
            for merged_request in batch:
                await self._move_request(merged_request, surviving_id)
        await self.organisations.reassign("factory_id", merged_id, surviving_id)
        await self.users.reassign("factory_id", merged_id, surviving_id)
        await self.signatures.reassign("factory_id", merged_id, surviving_id)

    async def _move_link(self, merged_link: MemberFactoryLink, surviving_id: str) -> None:
        now = self.clock()
        surviving_link = await self.links.get(MemberFactoryLink.id_for(merged_link.member_id, surviving_id))
        if surviving_link is None:
            surviving_link = MemberFactoryLink.moved_by_merge(
                merged_link.member_id, surviving_id, merged_link.relationship, now
            )
            await self.links.add(surviving_link)
        elif surviving_link.status != LinkStatus.ACTIVE:
            surviving_link.move_here(merged_link.relationship, now)
            await self.links.save(surviving_link)
        merged_link.end(None, now, reason=MERGED)
        await self.links.save(merged_link)

    async def _move_request(self, merged_request: MemberFactoryLink, surviving_id: str) -> None:
        """A pending request waits for the surviving site's answer instead (unless a link or request is there)."""
        now = self.clock()
        member_id, relationship = merged_request.member_id, merged_request.relationship
        surviving = await self.links.get(MemberFactoryLink.id_for(member_id, surviving_id))
        if surviving is None:
            await self.links.add(MemberFactoryLink.request(self.new_id(), member_id, surviving_id, relationship, now))
        elif surviving.status not in (LinkStatus.ACTIVE, LinkStatus.REQUESTED):
            surviving.request_again(self.new_id(), relationship, now)
            await self.links.save(surviving)
        merged_request.withdraw(now, reason=MERGED)
        await self.links.save(merged_request)
