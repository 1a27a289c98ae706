"""In-memory fakes of audit-service's ports (service_layer/ports.py), for the unit tests.

They only load and store: the rules they serve are the domain's, so a unit test checks the
real rule. The shared projections' fakes (links, merges, the aggregate store) are in
``shared_audits.testing``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from audit_service.domain.accreditation import AuditCompanyStanding
from audit_service.domain.mandates import Mandate, MandatePosition, SiteName
from audit_service.domain.readiness import FactoryReadiness
from audit_service.domain.risk import CellCount, FactoryPicture, cell_counts
from audit_service.service_layer.ports import PictureChange, PictureMerge
from shared_audits.contracts.enums import AccreditationStatus
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import (
    CodeOfConductPublished,
    CodeOfConductSigned,
    FactoryProfileSubmitted,
    FactoryRegistered,
)


class InMemoryAuditCompanies:
    def __init__(self, ids: set[str] | None = None) -> None:
        self.ids = set(ids or ())
        self.standings: dict[str, AuditCompanyStanding] = {}

    async def standing(self, organisation_id: str) -> AuditCompanyStanding | None:
        if organisation_id in self.standings:
            return self.standings[organisation_id]
        return AuditCompanyStanding(organisation_id=organisation_id) if organisation_id in self.ids else None

    async def registered(self, organisation_id: str, name: str, trial_ends_at: datetime | None) -> None:
        self.ids.add(organisation_id)
        self.standings.setdefault(organisation_id, AuditCompanyStanding(organisation_id=organisation_id,
                                                                        trial_ends_at=trial_ends_at))

    async def decided(self, organisation_id: str, status: AccreditationStatus, decided_at: datetime,
                      trial_ends_at: datetime | None) -> None:
        known = await self.standing(organisation_id) or AuditCompanyStanding(organisation_id=organisation_id)
        standing = known.decided(status, decided_at, trial_ends_at)
        if standing is not None:
            self.ids.add(organisation_id)
            self.standings[organisation_id] = standing


class InMemoryReadiness:
    def __init__(self) -> None:
        self.sites: dict[str, FactoryReadiness] = {}
        self.current_version: str | None = None

    async def of(self, factory_id: str) -> FactoryReadiness:
        return self.sites.get(factory_id, FactoryReadiness(factory_id=factory_id)).model_copy(deep=True)

    async def current_code_version(self) -> str | None:
        return self.current_version

    async def apply_profile_submitted(self, event: FactoryProfileSubmitted, envelope: EventEnvelope) -> None:
        site = self.sites.setdefault(event.factory_id, FactoryReadiness(factory_id=event.factory_id))
        site.profile_version, site.workforce_total = event.profile_version, event.workforce_total

    async def apply_code_signed(self, event: CodeOfConductSigned, envelope: EventEnvelope) -> None:
        if event.factory_id is None:
            return
        site = self.sites.setdefault(event.factory_id, FactoryReadiness(factory_id=event.factory_id))
        if event.code_version not in site.code_of_conduct_versions:
            site.code_of_conduct_versions.append(event.code_version)

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        merged = self.sites.pop(merged_id, None)
        if merged is None:
            return
        self.sites[surviving_id] = (await self.of(surviving_id)).merged_with(merged)

    async def apply_current_version(self, version: str) -> None:
        self.current_version = version

    async def apply_code_published(self, event: CodeOfConductPublished, envelope: EventEnvelope) -> None:
        await self.apply_current_version(event.code_version)


class InMemoryRiskPictures:
    """Each factory's picture in a dict; the cells are added up when read."""

    def __init__(self) -> None:
        self.pictures: dict[str, FactoryPicture] = {}

    async def change(self, factory_ids: list[str], change: PictureChange) -> int:
        replaced = 0
        for factory_id in factory_ids:
            new = change(factory_id, self.pictures.get(factory_id, FactoryPicture()))
            if new is not None:
                self.pictures[factory_id] = new
                replaced += 1
        return replaced

    async def move(self, merged_id: str, surviving_id: str, merge: PictureMerge) -> None:
        merged = self.pictures.pop(merged_id, None)
        if merged is not None:
            self.pictures[surviving_id] = merge(self.pictures.get(surviving_id, FactoryPicture()), merged)

    async def counts(self, factory_ids: list[str] | None = None) -> list[CellCount]:
        totals: Counter = Counter()
        for factory_id, picture in self.pictures.items():
            if factory_ids is None or factory_id in factory_ids:
                totals.update(picture.cells())
        return cell_counts(totals)


class InMemorySites:
    """Sites as factory-registry announced them (their country gives their working days)."""

    def __init__(self, sites: dict[str, SiteName] | None = None) -> None:
        self.sites = dict(sites or {})

    async def apply_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None:
        self.sites[event.factory_id] = SiteName(name=event.name, country=event.country, city=event.city)

    async def of(self, factory_ids: list[str]) -> dict[str, SiteName]:
        return {factory_id: self.sites[factory_id] for factory_id in factory_ids if factory_id in self.sites}


class InMemoryMandates:
    """The listing over the in-memory audit store, in MongoMandates' order: newest first, then id."""

    def __init__(self, audits) -> None:
        self._audits = audits

    async def of_company(self, audit_company_id, status, limit, after) -> list[Mandate]:
        audits = await self._audits.find(limit=1_000_000, audit_company_id=audit_company_id)
        found = [Mandate.model_validate({**audit.model_dump(), "audit_id": audit.id}) for audit in audits]
        found = [m for m in found if status is None or m.status == status]
        if after is not None:
            found = [m for m in found if MandatePosition.of(m).sort_key() < after.sort_key()]
        return sorted(found, key=lambda m: MandatePosition.of(m).sort_key(), reverse=True)[:limit]
