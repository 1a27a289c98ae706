"""The risk read model: per (country, chapter) counters over each factory's latest full audit.

Kept up to date from events (``AuditReportPublished``, ``FactoryRegistered``) by this
service's one consumer, and by report imports. Every read and write goes by ``_id``:
FerretDB v1 uses an index only for a filter that is exactly ``{_id: ...}`` and answers
any other filter, or a ``$group``, by decoding the whole collection (seconds once
100,000 audits are counted). So the counts are kept pre-aggregated:

- ``risk_factories``: one document per factory (``_id`` = factory id): its country and
  the chapters of its latest counted audit (1 when the chapter had a non-conformity);
- ``risk_cells``: one document per cell (``_id`` = "country:chapter") with the number of
  factories covered and of those with a non-conformity.

The risk query reads the cells (one per country and chapter, a few hundred); a
member's supply-chain view reads its factories' documents by ``_id``.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from audit_service.domain.risk import CellCount, CountedReport, counted_report
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import AuditReportPublished, FactoryRegistered


def report_of_event(event: AuditReportPublished) -> CountedReport | None:
    nonconformities = None
    if event.chapter_scores is not None:
        nonconformities = {score.chapter: score.nonconformities for score in event.chapter_scores}
    return counted_report(event.factory_id, event.audit_id, event.audit_type, event.published_at, nonconformities)


def _is_newer(report: CountedReport, known: dict | None) -> bool:
    """Only a newer report (or the same one, redelivered) replaces a factory's chapters."""
    return known is None or "published_at" not in known or known["published_at"] <= report.published_at.isoformat()


def _cell_changes(country: str | None, chapters: dict[str, int], sign: int, changes: Counter) -> None:
    if country is None:
        return  # counted once the factory's country is known
    for chapter, nonconforming in chapters.items():
        changes[(country, chapter, "factories")] += sign
        changes[(country, chapter, "nonconforming_factories")] += sign * nonconforming


class MongoRiskReadModel:
    """Pre-aggregated counters, written by ``_id`` only (see the module's docstring).

    Writes are serialised in the process: FerretDB v1's ``$inc`` is a read, modify,
    write without isolation. A crash between a factory's write and its cells' can
    leave a cell off by one until ``rebuild_cells``.
    """

    def __init__(self, factories: AsyncCollection, cells: AsyncCollection) -> None:
        self._factories = factories
        self._cells = cells
        self._writing = asyncio.Lock()

    async def ensure_indexes(self) -> None:
        """Nothing beyond ``_id``: every access is by ``_id``."""

    async def apply_factory_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None:
        async with self._writing:
            known = await self._factories.find_one({"_id": event.factory_id}) or {}
            if known.get("country") == event.country:
                return
            changes: Counter = Counter()
            # The report may have arrived first (another topic): it counts now, under this country.
            _cell_changes(known.get("country"), known.get("chapters", {}), -1, changes)
            _cell_changes(event.country, known.get("chapters", {}), +1, changes)
            await self._factories.update_one({"_id": event.factory_id}, {"$set": {"country": event.country}},
                                             upsert=True)
            await self._apply(changes)

    async def apply_report_published(self, event: AuditReportPublished, envelope: EventEnvelope) -> None:
        report = report_of_event(event)
        if report is not None:
            await self.count_reports([report])

    async def count_reports(self, reports: list[CountedReport]) -> int:
        """Count each report if it is its factory's latest; returns how many replaced an older picture."""
        async with self._writing:
            latest: dict[str, CountedReport] = {}
            for report in reports:  # within one batch, the newest report of a factory wins
                current = latest.get(report.factory_id)
                if current is None or current.published_at <= report.published_at:
                    latest[report.factory_id] = report
            changes: Counter = Counter()
            writes = []
            for report in latest.values():
                known = await self._factories.find_one({"_id": report.factory_id})
                if not _is_newer(report, known):
                    continue
                country = (known or {}).get("country")
                _cell_changes(country, (known or {}).get("chapters", {}), -1, changes)
                state = {"audit_id": report.audit_id, "published_at": report.published_at.isoformat(),
                         "chapters": report.chapters}
                if country is None and report.country is not None:
                    country = state["country"] = report.country
                _cell_changes(country, report.chapters, +1, changes)
                writes.append(UpdateOne({"_id": report.factory_id}, {"$set": state}, upsert=True))
            if writes:
                await self._factories.bulk_write(writes, ordered=False)
            await self._apply(changes)
            return len(writes)

    async def _apply(self, changes: Counter) -> None:
        by_cell: dict[tuple[str, str], dict[str, int]] = {}
        for (country, chapter, field), change in changes.items():
            if change:
                by_cell.setdefault((country, chapter), {})[field] = change
        writes = [
            UpdateOne({"_id": f"{country}:{chapter}"},
                      {"$inc": increments, "$set": {"country": country, "chapter": chapter}}, upsert=True)
            for (country, chapter), increments in by_cell.items()
        ]
        if writes:
            await self._cells.bulk_write(writes, ordered=False)

    async def rebuild_cells(self) -> None:
        """Recount every cell from the factories' documents (a full read: an operator's repair)."""
        async with self._writing:
            changes: Counter = Counter()
            async for known in self._factories.find({}):
                _cell_changes(known.get("country"), known.get("chapters", {}), +1, changes)
            await self._cells.delete_many({})
            await self._apply(changes)

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        """One site counts once: the newer of the two latest reports stays, under the surviving id."""
        async with self._writing:
            merged = await self._factories.find_one({"_id": merged_id})
            if merged is None:
                return  # nothing counted for it, or already merged
            surviving = await self._factories.find_one({"_id": surviving_id}) or {}
            changes: Counter = Counter()
            _cell_changes(merged.get("country"), merged.get("chapters", {}), -1, changes)
            takes_report = "published_at" in merged and (
                "published_at" not in surviving or surviving["published_at"] <= merged["published_at"])
            if takes_report:
                country = surviving.get("country") or merged.get("country")
                _cell_changes(surviving.get("country"), surviving.get("chapters", {}), -1, changes)
                _cell_changes(country, merged["chapters"], +1, changes)
                state = {key: merged[key] for key in ("audit_id", "published_at", "chapters")}
                if country is not None:
                    state["country"] = country
                await self._factories.update_one({"_id": surviving_id}, {"$set": state}, upsert=True)
            # A crash between these writes leaves a cell off by one until ``rebuild_cells``.
            await self._apply(changes)
            await self._factories.delete_one({"_id": merged_id})

    async def counts(self, factory_ids: list[str] | None = None) -> list[CellCount]:
        if factory_ids is None:
            cells = [cell async for cell in self._cells.find({})]
            return sorted(
                (CellCount(country=cell["country"], chapter=cell["chapter"], factories=cell["factories"],
                           nonconforming_factories=cell.get("nonconforming_factories", 0))
                 for cell in cells if cell.get("factories", 0) > 0),
                key=lambda count: (count.country, count.chapter),
            )
        changes: Counter = Counter()
        for factory_id in factory_ids:
            known = await self._factories.find_one({"_id": factory_id})
            if known:
                _cell_changes(known.get("country"), known.get("chapters", {}), +1, changes)
        return _as_counts(changes)


def _as_counts(changes: Counter) -> list[CellCount]:
    cells = sorted({(country, chapter) for country, chapter, _ in changes})
    return [
        CellCount(country=country, chapter=chapter, factories=changes[(country, chapter, "factories")],
                  nonconforming_factories=changes[(country, chapter, "nonconforming_factories")])
        for country, chapter in cells if changes[(country, chapter, "factories")] > 0
    ]


class InMemoryRiskReadModel:
    def __init__(self) -> None:
        self.countries: dict[str, str] = {}
        self.latest: dict[str, CountedReport] = {}

    async def apply_factory_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None:
        self.countries[event.factory_id] = event.country

    async def apply_report_published(self, event: AuditReportPublished, envelope: EventEnvelope) -> None:
        report = report_of_event(event)
        if report is not None:
            await self.count_reports([report])

    async def count_reports(self, reports: list[CountedReport]) -> int:
        replaced = 0
        for report in reports:
            current = self.latest.get(report.factory_id)
            if current is None or current.published_at <= report.published_at:
                self.latest[report.factory_id] = report
                if report.country is not None:
                    self.countries.setdefault(report.factory_id, report.country)
                replaced += 1
        return replaced

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        merged = self.latest.pop(merged_id, None)
        country = self.countries.pop(merged_id, None)
        current = self.latest.get(surviving_id)
        if merged is not None and (current is None or current.published_at <= merged.published_at):
            self.latest[surviving_id] = merged.model_copy(update={"factory_id": surviving_id})
            if country is not None:
                self.countries.setdefault(surviving_id, country)

    async def counts(self, factory_ids: list[str] | None = None) -> list[CellCount]:
        changes: Counter = Counter()
        for factory_id, report in self.latest.items():
            if factory_ids is None or factory_id in factory_ids:
                _cell_changes(self.countries.get(factory_id), report.chapters, +1, changes)
        return _as_counts(changes)

