"""An audit company's accreditation as audit-service knows it (access-control decides and tells),
and the rule applied at mandate time: who may be mandated."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, field_validator

from audit_service.domain.errors import AuditCompanyNotMandatable
from shared_audits.contracts.enums import AccreditationStatus


class AuditCompanyStanding(BaseModel):
    organisation_id: str
    status: AccreditationStatus = AccreditationStatus.TRIAL
    # None when access-control has not told it (companies registered before it did): not enforced.
    trial_ends_at: datetime | None = None
    status_since: datetime | None = None

    @field_validator("trial_ends_at", "status_since")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        # A store may hand back times without their zone; they were written in UTC.
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    def decided(self, status: AccreditationStatus, decided_at: datetime,
                trial_ends_at: datetime | None) -> AuditCompanyStanding | None:
        """The standing once access-control's decision of ``decided_at`` counts; None when a later one is
        known (it stays). A decision told again (a redelivery, a restatement) gives the same standing."""
        if self.status_since is not None and self.status_since > decided_at:
            return None
        return AuditCompanyStanding(organisation_id=self.organisation_id, status=status, status_since=decided_at,
                                    trial_ends_at=trial_ends_at or self.trial_ends_at)

    def require_mandatable(self, now: datetime) -> None:
        """Refuse a mandate to a suspended company, or to one whose trial ended without accreditation."""
        if self.status == AccreditationStatus.SUSPENDED:
            since = f" since {self.status_since.date()}" if self.status_since else ""
            raise self._refusal(f"audit company {self.organisation_id} is suspended{since}: it takes no new "
                                "mandates; choose another audit company")
        if self.status == AccreditationStatus.TRIAL and self.trial_ends_at is not None and now >= self.trial_ends_at:
            raise self._refusal(
                f"the trial of audit company {self.organisation_id} ended on {self.trial_ends_at.date()} without "
                "accreditation: it takes no new mandates until the operator accredits it; choose another audit company"
            )

    def _refusal(self, detail: str) -> AuditCompanyNotMandatable:
        refusal = AuditCompanyNotMandatable(detail)
        refusal.extensions["accreditation_status"] = self.status.value
        if self.status == AccreditationStatus.TRIAL and self.trial_ends_at is not None:
            refusal.extensions["trial_ended_at"] = self.trial_ends_at.isoformat()
        return refusal
