"""Audit companies and their accreditation, from access-control's OrganisationRegistered,
AuditCompanyAccreditationChanged and AuditCompanyAccreditationRestated events: one small document
per company, read at mandate time."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from audit_service.domain.accreditation import AuditCompanyStanding
from shared_audits.contracts.enums import AccreditationStatus, OrganisationKind
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import (
    AuditCompanyAccreditationChanged,
    AuditCompanyAccreditationRestated,
    OrganisationRegistered,
)


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

    async def apply_registered(self, event: OrganisationRegistered, envelope: EventEnvelope) -> None:
        if event.kind is not OrganisationKind.AUDIT_COMPANY:
            return
        # A change told before (a replay in another order) is kept: registration only fills what is missing.
        first = {"status": AccreditationStatus.TRIAL.value, "trial_ends_at": event.trial_ends_at}
        await self._collection.update_one(
            {"_id": event.organisation_id}, {"$set": {"name": event.name}, "$setOnInsert": first}, upsert=True
        )

    async def apply_accreditation_changed(self, event: AuditCompanyAccreditationChanged,
                                          envelope: EventEnvelope) -> None:
        await self._decided(event.organisation_id, event.status, event.changed_at, event.trial_ends_at)

    async def apply_accreditation_restated(self, event: AuditCompanyAccreditationRestated,
                                           envelope: EventEnvelope) -> None:
        # A restatement is the decision it restates, told again: it counts from that decision's time.
        await self._decided(event.organisation_id, event.status, event.decided_at, event.trial_ends_at)

    async def _decided(self, organisation_id: str, status: AccreditationStatus, decided_at: datetime,
                       trial_ends_at: datetime | None) -> None:
        change = {"status": status.value, "changed_at": decided_at}
        if trial_ends_at is not None:
            change["trial_ends_at"] = trial_ends_at
        # Only a later change replaces an earlier one (a redelivered old event changes nothing).
        not_newer = {"$or": [{"changed_at": {"$exists": False}}, {"changed_at": {"$lte": decided_at}}]}
        try:
            await self._collection.update_one({"_id": organisation_id, **not_newer}, {"$set": change}, upsert=True)
        except DuplicateKeyError:
            pass  # the company's document holds a later change already
