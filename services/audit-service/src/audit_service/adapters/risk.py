"""The risk read model: each factory's latest full audit, per chapter, with the factory's country.

Kept up to date from events (``AuditReportPublished``, ``FactoryRegistered``) by
this service's one consumer; requests only count it with stages FerretDB v1
supports ($match, $group).
"""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from audit_service.domain.risk import CellCount
from shared_audits.contracts.enums import AuditType
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import AuditReportPublished, FactoryRegistered


def _counted(event: AuditReportPublished) -> bool:
    # Follow-ups re-check open findings only; the picture of a site comes from its full audits.
    return AuditType(event.audit_type) != AuditType.FOLLOW_UP and event.chapter_scores is not None


def _chapters(event: AuditReportPublished) -> list[dict]:
    return [
        {"chapter": score.chapter, "nonconforming": 1 if score.nonconformities else 0}
        for score in event.chapter_scores or []
    ]


class MongoRiskReadModel:
    """Two collections: each factory's latest counted report, and one row per (factory, chapter) of it.

    The rows are flat on purpose: FerretDB v1 loses dotted paths in a compound
    ``$group`` key after ``$unwind`` and sums field values as 0, so the counts
    are two ``$match`` + ``$group`` with ``$sum: 1`` over flat rows.
    """

    def __init__(self, countries: AsyncCollection, latest_audits: AsyncCollection, rows: AsyncCollection) -> None:
        self._countries = countries
        self._latest_audits = latest_audits
        self._rows = rows

    async def ensure_indexes(self) -> None:
        await self._rows.create_index([("factory_id", 1)])
        await self._rows.create_index([("country", 1), ("chapter", 1)])

    async def apply_factory_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None:
        await self._countries.update_one({"_id": event.factory_id}, {"$set": {"country": event.country}}, upsert=True)
        # The report may have arrived first (another topic): give its rows their country now.
        await self._rows.update_many({"factory_id": event.factory_id}, {"$set": {"country": event.country}})

    async def apply_report_published(self, event: AuditReportPublished, envelope: EventEnvelope) -> None:
        if not _counted(event):
            return
        published_at = event.published_at.isoformat()
        state = {"audit_id": event.audit_id, "published_at": published_at}
        # Only a newer (or the same, redelivered) report replaces the factory's rows.
        replaced = await self._latest_audits.update_one(
            {"_id": event.factory_id, "published_at": {"$lte": published_at}}, {"$set": state}
        )
        if replaced.matched_count == 0:
            try:
                await self._latest_audits.insert_one({"_id": event.factory_id, **state})
            except DuplicateKeyError:
                return  # a newer report is already counted
        known = await self._countries.find_one({"_id": event.factory_id})
        country = known["country"] if known else None
        # Written by this one consumer; a crash in between redelivers the event, which rewrites the rows.
        await self._rows.delete_many({"factory_id": event.factory_id})
        rows = [
            {"_id": f"{event.factory_id}:{chapter['chapter']}", "factory_id": event.factory_id, "country": country,
             **chapter}
            for chapter in _chapters(event)
        ]
        if rows:
            await self._rows.insert_many(rows)

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        """One site counts once: the newer of the two latest reports stays, under the surviving id."""
        merged = await self._latest_audits.find_one({"_id": merged_id})
        if merged is not None:
            surviving = await self._latest_audits.find_one({"_id": surviving_id})
            if surviving is None or surviving["published_at"] <= merged["published_at"]:
                state = {"audit_id": merged["audit_id"], "published_at": merged["published_at"]}
                await self._latest_audits.update_one({"_id": surviving_id}, {"$set": state}, upsert=True)
                await self._move_rows(merged_id, surviving_id)
        # Written by this one consumer; a crash before here re-runs the steps above with the same result.
        await self._rows.delete_many({"factory_id": merged_id})
        await self._latest_audits.delete_one({"_id": merged_id})
        await self._countries.delete_one({"_id": merged_id})

    async def _move_rows(self, merged_id: str, surviving_id: str) -> None:
        known = await self._countries.find_one({"_id": surviving_id})
        rows = [row async for row in self._rows.find({"factory_id": merged_id})]
        if not rows:
            return  # already moved by an earlier attempt
        country = known["country"] if known else rows[0].get("country")
        await self._rows.delete_many({"factory_id": surviving_id})
        await self._rows.insert_many([
            {"_id": f"{surviving_id}:{row['chapter']}", "factory_id": surviving_id, "country": country,
             "chapter": row["chapter"], "nonconforming": row["nonconforming"]}
            for row in rows
        ])

    async def counts(self, factory_ids: list[str] | None = None) -> list[CellCount]:
        match: dict = {"country": {"$type": "string"}}
        if factory_ids is not None:
            match["factory_id"] = {"$in": factory_ids}
        covered = await self._count(match)
        nonconforming = await self._count({**match, "nonconforming": 1})
        return [
            CellCount(country=country, chapter=chapter, factories=factories,
                      nonconforming_factories=nonconforming.get((country, chapter), 0))
            for (country, chapter), factories in sorted(covered.items())
        ]

    async def _count(self, match: dict) -> dict[tuple[str, str], int]:
        pipeline = [
            {"$match": match},
            {"$group": {"_id": {"country": "$country", "chapter": "$chapter"}, "factories": {"$sum": 1}}},
        ]
        cursor = await self._rows.aggregate(pipeline)
        return {(row["_id"]["country"], row["_id"]["chapter"]): row["factories"] async for row in cursor}


class InMemoryRiskReadModel:
    def __init__(self) -> None:
        self.countries: dict[str, str] = {}
        self.latest: dict[str, dict] = {}

    async def apply_factory_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None:
        self.countries[event.factory_id] = event.country

    async def apply_report_published(self, event: AuditReportPublished, envelope: EventEnvelope) -> None:
        current = self.latest.get(event.factory_id)
        if _counted(event) and (current is None or current["published_at"] <= event.published_at):
            self.latest[event.factory_id] = {"published_at": event.published_at, "chapters": _chapters(event)}

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        merged = self.latest.pop(merged_id, None)
        self.countries.pop(merged_id, None)
        current = self.latest.get(surviving_id)
        if merged is not None and (current is None or current["published_at"] <= merged["published_at"]):
            self.latest[surviving_id] = merged

    async def counts(self, factory_ids: list[str] | None = None) -> list[CellCount]:
        cells: dict[tuple[str, str], list[int]] = {}
        for factory_id, entry in self.latest.items():
            country = self.countries.get(factory_id)
            if country is None or (factory_ids is not None and factory_id not in factory_ids):
                continue
            for chapter in entry["chapters"]:
                cell = cells.setdefault((country, chapter["chapter"]), [0, 0])
                cell[0] += 1
                cell[1] += chapter["nonconforming"]
        return [CellCount(country=c, chapter=ch, factories=n, nonconforming_factories=nc)
                for (c, ch), (n, nc) in sorted(cells.items())]
