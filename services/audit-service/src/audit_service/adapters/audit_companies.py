"""Audit companies known from access-control's OrganisationRegistered events."""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from shared_audits.contracts.enums import OrganisationKind
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import OrganisationRegistered


class MongoAuditCompanies:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def exists(self, organisation_id: str) -> bool:
        return await self._collection.find_one({"_id": organisation_id}, {"_id": 1}) is not None

    async def apply_registered(self, event: OrganisationRegistered, envelope: EventEnvelope) -> None:
        if event.kind is OrganisationKind.AUDIT_COMPANY:
            await self._collection.update_one({"_id": event.organisation_id}, {"$set": {"name": event.name}}, upsert=True)


class InMemoryAuditCompanies:
    def __init__(self, ids: set[str] | None = None) -> None:
        self.ids = set(ids or ())

    async def exists(self, organisation_id: str) -> bool:
        return organisation_id in self.ids

    async def apply_registered(self, event: OrganisationRegistered, envelope: EventEnvelope) -> None:
        if event.kind is OrganisationKind.AUDIT_COMPANY:
            self.ids.add(event.organisation_id)
