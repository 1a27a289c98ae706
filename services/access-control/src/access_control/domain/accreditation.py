"""An audit company's accreditation: trial, accredited or suspended; the operator decides."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from access_control.domain.errors import AccreditationRefused
from shared_audits.contracts.enums import AccreditationStatus


class AccreditationRules(BaseModel):
    """Versioned rule data (``rules/accreditation-*.json``)."""

    version: str
    trial_days: int = Field(gt=0)
    min_mandating_members: int = Field(gt=0)


class AccreditationDecision(BaseModel):
    status: AccreditationStatus
    reason: str
    decided_by: str
    at: datetime
    rules_version: str


class Accreditation(BaseModel):
    status: AccreditationStatus = AccreditationStatus.TRIAL
    trial_started_at: datetime
    # Distinct members that mandated the company, counted from audit-service's AuditMandated events.
    mandating_members: list[str] = Field(default_factory=list)
    decisions: list[AccreditationDecision] = Field(default_factory=list)

    def count_mandate(self, member_id: str) -> bool:
        """Count a mandating member once; False when it was already counted."""
        if member_id in self.mandating_members:
            return False
        self.mandating_members = [*self.mandating_members, member_id]
        return True

    @property
    def decided_at(self) -> datetime:
        """When the current status was decided: the last decision, or the trial's start when none was made."""
        return self.decisions[-1].at if self.decisions else self.trial_started_at

    def trial_ends_at(self, rules: AccreditationRules) -> datetime:
        return self.trial_started_at + timedelta(days=rules.trial_days)

    def trial_complete(self, rules: AccreditationRules, now: datetime) -> bool:
        return len(self.mandating_members) >= rules.min_mandating_members and now >= self.trial_ends_at(rules)

    def receives_mandates(self, rules: AccreditationRules, now: datetime) -> bool:
        """Accredited, or on trial until the trial ends; never suspended."""
        if self.status == AccreditationStatus.TRIAL:
            return now < self.trial_ends_at(rules)
        return self.status == AccreditationStatus.ACCREDITED

    def decide(
        self, status: AccreditationStatus, reason: str, decided_by: str, rules: AccreditationRules, now: datetime
    ) -> AccreditationStatus:
        """Apply the operator's decision; returns the previous status."""
        previous = AccreditationStatus(self.status)
        if status == previous:
            raise AccreditationRefused(f"the audit company is already {status.value}")
        if status == AccreditationStatus.ACCREDITED and not self.trial_complete(rules, now):
            raise AccreditationRefused(
                f"the trial ends only after {rules.trial_days} days and {rules.min_mandating_members} mandating "
                f"members (now {len(self.mandating_members)} members since {self.trial_started_at.date()})"
            )
        if status == AccreditationStatus.TRIAL and previous != AccreditationStatus.SUSPENDED:
            raise AccreditationRefused("only a suspended audit company goes back to trial")
        self.status = status
        self.decisions = [
            *self.decisions,
            AccreditationDecision(status=status, reason=reason, decided_by=decided_by, at=now,
                                  rules_version=rules.version),
        ]
        return previous
