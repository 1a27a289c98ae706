"""Organisations (member-factory links are in ``links``)."""

from __future__ import annotations

from datetime import datetime

from access_control.domain.accreditation import Accreditation, AccreditationRules
from shared_audits.aggregate import Aggregate
from shared_audits.contracts.enums import AccreditationStatus, OrganisationKind
from shared_audits.contracts.events import (
    AuditCompanyAccreditationChanged,
    AuditCompanyAccreditationRestated,
    OrganisationRegistered,
)
from shared_audits.errors import InvalidRequestError, NotFoundError


class Organisation(Aggregate):
    name: str
    kind: OrganisationKind
    factory_id: str | None = None
    client_id: str
    client_secret_hash: str
    registered_at: datetime
    # Audit companies only.
    accreditation: Accreditation | None = None

    @classmethod
    def register(
        cls,
        organisation_id: str,
        name: str,
        kind: OrganisationKind,
        factory_id: str | None,
        client_id: str,
        client_secret_hash: str,
        now: datetime,
        accreditation_rules: AccreditationRules | None = None,
    ) -> Organisation:
        """A new organisation; an audit company starts its trial now (its end is told from ``accreditation_rules``)."""
        if kind is OrganisationKind.FACTORY and not factory_id:
            raise InvalidRequestError("a factory organisation names its registered site (factory_id)")
        if kind is not OrganisationKind.FACTORY and factory_id:
            raise InvalidRequestError("only a factory organisation is tied to a site")
        organisation = cls(
            id=organisation_id,
            name=name,
            kind=kind,
            factory_id=factory_id,
            client_id=client_id,
            client_secret_hash=client_secret_hash,
            registered_at=now,
            accreditation=Accreditation(trial_started_at=now) if kind == OrganisationKind.AUDIT_COMPANY else None,
        )
        accreditation = organisation.accreditation
        trial_ends_at = accreditation.trial_ends_at(accreditation_rules) if accreditation and accreditation_rules else None
        organisation.record(
            OrganisationRegistered(organisation_id=organisation_id, name=name, kind=kind, factory_id=factory_id,
                                   trial_ends_at=trial_ends_at)
        )
        return organisation

    @property
    def accreditation_status(self) -> AccreditationStatus | None:
        """An audit company's status (trial until the operator decided otherwise); None for other kinds."""
        if self.kind != OrganisationKind.AUDIT_COMPANY:
            return None
        return AccreditationStatus(self.accreditation.status) if self.accreditation else AccreditationStatus.TRIAL

    def receives_mandates(self, rules: AccreditationRules, now: datetime) -> bool:
        """An accredited audit company, or one on trial until its trial ends; a suspended one is offered to no member."""
        if self.kind != OrganisationKind.AUDIT_COMPANY:
            return False
        if self.accreditation is None:  # registered before accreditation was kept
            return Accreditation(trial_started_at=self.registered_at).receives_mandates(rules, now)
        return self.accreditation.receives_mandates(rules, now)

    def roles(self) -> list[str]:
        """Roles of the organisation's primary machine client."""
        return ["operator"] if self.kind is OrganisationKind.OPERATOR else ["admin"]

    def _accreditation(self) -> Accreditation:
        if self.kind != OrganisationKind.AUDIT_COMPANY:
            raise NotFoundError("no audit company with this id")
        if self.accreditation is None:  # registered before accreditation was kept
            self.accreditation = Accreditation(trial_started_at=self.registered_at)
        return self.accreditation

    def count_mandate(self, member_id: str) -> bool:
        accreditation = self._accreditation()
        counted = accreditation.count_mandate(member_id)
        self.accreditation = accreditation
        return counted

    def decide_accreditation(
        self, status: AccreditationStatus, reason: str, decided_by: str, rules: AccreditationRules, now: datetime
    ) -> None:
        accreditation = self._accreditation()
        previous = accreditation.decide(status, reason, decided_by, rules, now)
        self.accreditation = accreditation  # re-assign so the validated model sees the change
        self.record(
            AuditCompanyAccreditationChanged(
                organisation_id=self.id, status=status, previous_status=previous, reason=reason, changed_at=now,
                trial_ends_at=accreditation.trial_ends_at(rules),
            )
        )

    def restate_accreditation(self, rules: AccreditationRules, now: datetime) -> None:
        """Tell the current accreditation again, as of the decision that set it (changes nothing here)."""
        accreditation = self._accreditation()
        self.accreditation = accreditation
        self.record(
            AuditCompanyAccreditationRestated(
                organisation_id=self.id, status=AccreditationStatus(accreditation.status),
                decided_at=accreditation.decided_at, trial_ends_at=accreditation.trial_ends_at(rules), restated_at=now,
            )
        )

    def move_trial_start(self, started_at: datetime, reason: str, rules: AccreditationRules, now: datetime) -> None:
        """Tests and demos only (the caller checks): let a trial begin on another day, and say when it ends."""
        accreditation = self._accreditation()
        accreditation.trial_started_at = started_at
        self.accreditation = accreditation
        status = AccreditationStatus(accreditation.status)
        self.record(
            AuditCompanyAccreditationChanged(
                organisation_id=self.id, status=status, previous_status=status, reason=reason, changed_at=now,
                trial_ends_at=accreditation.trial_ends_at(rules),
            )
        )
