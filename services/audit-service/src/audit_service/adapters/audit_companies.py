"""Audit companies and their accreditation, from access-control's OrganisationRegistered,
AuditCompanyAccreditationChanged and AuditCompanyAccreditationRestated events (told by
``service_layer.accreditation``): one small document per company, read at mandate time."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from audit_service.domain.accreditation import AuditCompanyStanding
from shared_audits.contracts.enums import AccreditationStatus


class MongoAuditCompanies:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def standing(self, organisation_id: str) -> AuditCompanyStanding | None:
        """The company's accreditation as last told; None for an organisation that is no audit company."""
        document = await self._collection.find_one({"_id": organisation_id})
        if document is None:
            return None
        return AuditCompanyStanding(
            organisation_id=organisation_id,
            status=document.get("status", AccreditationStatus.TRIAL),
            trial_ends_at=document.get("trial_ends_at"),
            status_since=document.get("changed_at"),
        )

    async def registered(self, organisation_id: str, name: str, trial_ends_at: datetime | None) -> None:
        # A change told before (a replay in another order) is kept: registration only fills what is missing.
        first = {"status": AccreditationStatus.TRIAL.value, "trial_ends_at": trial_ends_at}
        await self._collection.update_one(
            {"_id": organisation_id}, {"$set": {"name": name}, "$setOnInsert": first}, upsert=True
        )

    async def decided(self, organisation_id: str, status: AccreditationStatus, decided_at: datetime,
                      trial_ends_at: datetime | None) -> None:
        """``AuditCompanyStanding.decided`` as one atomic update: only a later change replaces an earlier one."""
        change = {"status": status.value, "changed_at": decided_at}
        if trial_ends_at is not None:
            change["trial_ends_at"] = trial_ends_at
        not_newer = {"$or": [{"changed_at": {"$exists": False}}, {"changed_at": {"$lte": decided_at}}]}
        try:
            await self._collection.update_one({"_id": organisation_id, **not_newer}, {"$set": change}, upsert=True)
        except DuplicateKeyError:
            pass  # the company's document holds a later change already
