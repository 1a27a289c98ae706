"""What access-control tells of audit companies, kept for the mandate-time check (``domain/accreditation.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from audit_service.service_layer.ports import AuditCompanyProjection
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import (
    AuditCompanyAccreditationChanged,
    AuditCompanyAccreditationRestated,
    OrganisationRegistered,
)


@dataclass
class AuditCompanyEvents:
    companies: AuditCompanyProjection

    async def apply_registered(self, event: OrganisationRegistered, envelope: EventEnvelope) -> None:
        if event.kind is OrganisationKind.AUDIT_COMPANY:
            await self.companies.registered(event.organisation_id, event.name, event.trial_ends_at)

    async def apply_accreditation_changed(self, event: AuditCompanyAccreditationChanged,
                                          envelope: EventEnvelope) -> None:
        await self.companies.decided(event.organisation_id, event.status, event.changed_at, event.trial_ends_at)

    async def apply_accreditation_restated(self, event: AuditCompanyAccreditationRestated,
                                           envelope: EventEnvelope) -> None:
        # A restatement is the decision it restates, told again: it counts from that decision's time.
        await self.companies.decided(event.organisation_id, event.status, event.decided_at, event.trial_ends_at)
