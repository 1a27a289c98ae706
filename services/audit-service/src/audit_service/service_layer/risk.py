"""The risk read model kept up to date: which picture each event and import gives a factory.

The rules are the domain's (``domain.risk``: a follow-up does not count, the newest full
audit wins, a merged site counts once); the store (``RiskPictures``) only loads and
stores the pictures and their cells, exactly once per change.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit_service.domain.risk import CellCount, CountedReport, FactoryPicture, counted_report, newest_per_factory
from audit_service.service_layer.ports import RiskPictures
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import AuditReportPublished, FactoryRegistered


def report_of_event(event: AuditReportPublished) -> CountedReport | None:
    """What the risk analysis keeps of a published report; None for one it does not count."""
    nonconformities = None
    if event.chapter_scores is not None:
        nonconformities = {score.chapter: score.nonconformities for score in event.chapter_scores}
    return counted_report(event.factory_id, event.audit_id, event.audit_type, event.published_at, nonconformities)


@dataclass
class RiskReadModel:
    """Per (country, chapter) counters over each factory's latest full audit, fed by events and imports."""

    pictures: RiskPictures

    async def apply_factory_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None:
        # The report may have arrived first (another topic): it counts now, under this country.
        await self.pictures.change([event.factory_id], lambda _, picture: picture.located_in(event.country))

    async def apply_report_published(self, event: AuditReportPublished, envelope: EventEnvelope) -> None:
        report = report_of_event(event)
        if report is not None:
            await self.count_reports([report])

    async def count_reports(self, reports: list[CountedReport]) -> int:
        """Count each report if it is its factory's latest; returns how many replaced an older picture."""
        newest = newest_per_factory(reports)
        return await self.pictures.change(
            list(newest), lambda factory_id, picture: picture.with_report(newest[factory_id]))

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        """One site counts once: the newer of the two latest reports stays, under the surviving id."""
        await self.pictures.move(merged_id, surviving_id, FactoryPicture.merged_with)

    async def counts(self, factory_ids: list[str] | None = None) -> list[CellCount]:
        """The cells of every factory, or of ``factory_ids`` only."""
        return await self.pictures.counts(factory_ids)
