"""Names of the registered sites, from factory-registry's FactoryRegistered (audit companies' lists).

Only sites registered after this projection began are in it: the others read as unknown.
"""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from audit_service.domain.mandates import SiteName
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoryRegistered


class MongoSiteNames:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def apply_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None:
        site = SiteName(name=event.name, country=event.country, city=event.city)
        await self._collection.update_one({"_id": event.factory_id}, {"$set": site.model_dump()}, upsert=True)

    async def of(self, factory_ids: list[str]) -> dict[str, SiteName]:
        cursor = self._collection.find({"_id": {"$in": sorted(set(factory_ids))}})
        return {document.pop("_id"): SiteName.model_validate(document) async for document in cursor}
