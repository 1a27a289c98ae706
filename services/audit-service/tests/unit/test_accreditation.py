"""A mandate goes only to an audit company that may take it: accredited, or on trial until its trial ends."""

from datetime import date, timedelta

import pytest

from audit_service.domain.errors import AuditCompanyNotMandatable
from audit_service.service_layer.accreditation import AuditCompanyEvents
from audit_service.service_layer.handlers import AuditHandlers
from shared_audits.contracts.envelope import wrap
from shared_audits.contracts.events import (
    AuditCompanyAccreditationChanged,
    AuditCompanyAccreditationRestated,
    AuditMandated,
    OrganisationRegistered,
)
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType
from shared_audits.testing import member

MANDATE = (AuditType.INITIAL, AuditScope.SOCIAL, Announcement.SEMI_ANNOUNCED, (date(2026, 12, 1), date(2026, 12, 31)))


async def told(audits: AuditHandlers, event) -> None:
    """access-control's event reaches audit-service's projection, as the consumer would hand it over."""
    companies = AuditCompanyEvents(audits.audit_companies)
    apply = {OrganisationRegistered: companies.apply_registered,
             AuditCompanyAccreditationChanged: companies.apply_accreditation_changed,
             AuditCompanyAccreditationRestated: companies.apply_accreditation_restated}[type(event)]
    await apply(event, wrap(event, producer="access-control"))


async def registered(audits: AuditHandlers, clock, company_id: str = "ac-9", trial_days: int = 365) -> str:
    await told(audits, OrganisationRegistered(organisation_id=company_id, name="Audit Co", kind="audit_company",
                                              trial_ends_at=clock() + timedelta(days=trial_days)))
    return company_id


def change(company_id: str, status: str, previous: str, at, trial_ends_at=None) -> AuditCompanyAccreditationChanged:
    return AuditCompanyAccreditationChanged(organisation_id=company_id, status=status, previous_status=previous,
                                            reason="operator's decision", changed_at=at, trial_ends_at=trial_ends_at)


async def test_a_company_on_trial_is_mandated_until_its_trial_ends(audits: AuditHandlers, clock) -> None:
    company = await registered(audits, clock)
    audit = await audits.mandate_audit(member("m-a"), "f-1", company, *MANDATE)
    assert audit.audit_company_id == company and isinstance(audits.audits.published[-1], AuditMandated)

    clock.advance(days=365)
    with pytest.raises(AuditCompanyNotMandatable) as refused:
        await audits.mandate_audit(member("m-a"), "f-1", company, *MANDATE)
    assert "ended on 2027-11-20 without accreditation" in refused.value.detail
    assert refused.value.extensions == {"accreditation_status": "trial", "trial_ended_at": "2027-11-20T09:00:00+00:00"}


async def test_a_suspended_company_is_refused_with_the_reason_and_taken_back_on_trial(
    audits: AuditHandlers, clock
) -> None:
    company = await registered(audits, clock)
    trial_ends_at = clock() + timedelta(days=365)
    await told(audits, change(company, "suspended", "trial", clock(), trial_ends_at))
    with pytest.raises(AuditCompanyNotMandatable) as refused:
        await audits.mandate_audit(member("m-a"), "f-1", company, *MANDATE)
    assert refused.value.title == "Audit company cannot be mandated"
    assert f"{company} is suspended since 2026-11-20" in refused.value.detail
    assert refused.value.extensions == {"accreditation_status": "suspended"}
    assert not any(isinstance(event, AuditMandated) for event in audits.audits.published)

    clock.advance(days=10)
    await told(audits, change(company, "trial", "suspended", clock(), trial_ends_at))
    await audits.mandate_audit(member("m-a"), "f-1", company, *MANDATE)


async def test_an_accredited_company_is_mandated_after_its_trial(audits: AuditHandlers, clock) -> None:
    company = await registered(audits, clock)
    clock.advance(days=400)
    await told(audits, change(company, "accredited", "trial", clock(), clock() - timedelta(days=35)))
    audit = await audits.mandate_audit(member("m-a"), "f-1", company, *MANDATE)
    assert audit.status == "mandated"


async def test_an_older_change_told_again_does_not_undo_a_later_one(audits: AuditHandlers, clock) -> None:
    company = await registered(audits, clock)
    suspended = change(company, "suspended", "trial", clock())
    await told(audits, suspended)
    clock.advance(days=1)
    await told(audits, change(company, "trial", "suspended", clock()))
    await told(audits, suspended)  # redelivered
    await audits.mandate_audit(member("m-a"), "f-1", company, *MANDATE)


async def test_a_company_whose_trial_end_was_never_told_is_mandated(audits: AuditHandlers, clock) -> None:
    # Registered before access-control told trial ends: nothing to enforce but a suspension.
    clock.advance(days=1000)
    await audits.mandate_audit(member("m-a"), "f-1", "ac-1", *MANDATE)


def restated(company_id: str, status: str, decided_at, trial_ends_at=None) -> AuditCompanyAccreditationRestated:
    return AuditCompanyAccreditationRestated(organisation_id=company_id, status=status, decided_at=decided_at,
                                             trial_ends_at=trial_ends_at, restated_at=decided_at + timedelta(days=90))


async def test_a_restated_suspension_of_a_company_never_heard_of_refuses_its_mandates(
    audits: AuditHandlers, clock
) -> None:
    await told(audits, restated("ac-7", "suspended", clock() - timedelta(days=40)))
    with pytest.raises(AuditCompanyNotMandatable, match="ac-7 is suspended since 2026-10-11"):
        await audits.mandate_audit(member("m-a"), "f-1", "ac-7", *MANDATE)


async def test_a_restatement_never_undoes_a_later_decision_and_an_equal_one_changes_nothing(
    audits: AuditHandlers, clock
) -> None:
    company = await registered(audits, clock)
    suspended_at = clock() - timedelta(days=10)
    await told(audits, change(company, "suspended", "trial", suspended_at))
    await told(audits, change(company, "trial", "suspended", clock()))  # taken back on trial today
    await told(audits, restated(company, "suspended", suspended_at))  # an older state, restated late
    await audits.mandate_audit(member("m-a"), "f-1", company, *MANDATE)

    before = await audits.audit_companies.standing(company)
    await told(audits, restated(company, "trial", clock()))  # the state it knows, told again
    assert await audits.audit_companies.standing(company) == before
