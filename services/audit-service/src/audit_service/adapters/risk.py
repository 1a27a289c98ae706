"""The risk read model: each factory's latest full audit, per chapter, with the factory's country.

Kept up to date from events (``AuditReportPublished``, ``FactoryRegistered``) by
this service's one consumer; requests only aggregate it with stages FerretDB v1
supports ($match, $unwind, $group, $sort).
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
    def __init__(self, countries: AsyncCollection, latest_audits: AsyncCollection) -> None:
        self._countries = countries
        self._latest_audits = latest_audits

    async def ensure_indexes(self) -> None:
        await self._latest_audits.create_index([("country", 1)])

    async def apply_factory_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None:
        await self._countries.update_one({"_id": event.factory_id}, {"$set": {"country": event.country}}, upsert=True)
        # The report may have arrived first (another topic): give it its country now.
        await self._latest_audits.update_one({"_id": event.factory_id}, {"$set": {"country": event.country}})

    async def apply_report_published(self, event: AuditReportPublished, envelope: EventEnvelope) -> None:
        if not _counted(event):
            return
        known = await self._countries.find_one({"_id": event.factory_id})
        published_at = event.published_at.isoformat()
        state = {"audit_id": event.audit_id, "published_at": published_at,
                 "country": known["country"] if known else None, "chapters": _chapters(event)}
        # Only a newer report replaces the factory's entry; a redelivered older one changes nothing.
        replaced = await self._latest_audits.update_one(
            {"_id": event.factory_id, "published_at": {"$lte": published_at}}, {"$set": state}
        )
        if replaced.matched_count == 0:
            try:
                await self._latest_audits.insert_one({"_id": event.factory_id, **state})
            except DuplicateKeyError:
                pass  # a newer report is already there

    async def counts(self, factory_ids: list[str] | None = None) -> list[CellCount]:
        match: dict = {"country": {"$type": "string"}}
        if factory_ids is not None:
            match["_id"] = {"$in": factory_ids}
        pipeline = [
            {"$match": match},
            {"$unwind": "$chapters"},
            {"$group": {
                "_id": {"country": "$country", "chapter": "$chapters.chapter"},
                "factories": {"$sum": 1},
                "nonconforming_factories": {"$sum": "$chapters.nonconforming"},
            }},
            {"$sort": {"_id.country": 1, "_id.chapter": 1}},
        ]
        cursor = await self._latest_audits.aggregate(pipeline)
        return [
            CellCount(country=row["_id"]["country"], chapter=row["_id"]["chapter"], factories=row["factories"],
                      nonconforming_factories=row["nonconforming_factories"])
            async for row in cursor
        ]


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
