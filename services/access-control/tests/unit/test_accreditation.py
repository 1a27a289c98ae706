"""Audit-company accreditation: a year's trial and three mandating members, then the operator decides."""

import uuid
from datetime import timedelta

import pytest

from access_control.service_layer.handlers import AccessControl
from shared_audits.contracts import wrap
from shared_audits.contracts.enums import AccreditationStatus, OrganisationKind
from shared_audits.contracts.events import (
    AuditCompanyAccreditationChanged,
    AuditCompanyAccreditationRestated,
    AuditMandated,
    OrganisationRegistered,
)
from shared_audits.errors import ConflictError, NotFoundError, PermissionDeniedError
from shared_audits.testing import member, operator


@pytest.fixture
async def company_id(access: AccessControl) -> str:
    registered = await access.register_organisation(operator(), "Audits Ltd", OrganisationKind.AUDIT_COMPANY, None)
    return registered.organisation.id


async def mandate(access: AccessControl, company_id: str, member_id: str) -> None:
    event = AuditMandated(audit_id=str(uuid.uuid4()), factory_id="f-1", member_id=member_id,
                          audit_company_id=company_id, audit_type="initial", scope="social",
                          announcement="semi_announced")
    await access.count_mandate(event, wrap(event, producer="audit-service"))


async def test_a_new_audit_company_starts_on_trial(access: AccessControl, company_id: str, clock) -> None:
    company = await access.organisation(operator(), company_id)
    assert company.accreditation.status == "trial" and company.accreditation.trial_started_at == clock()


async def test_a_new_audit_company_is_told_to_others_with_the_end_of_its_trial(
    access: AccessControl, company_id: str, clock
) -> None:
    [registered] = [e for e in access.organisations.published if isinstance(e, OrganisationRegistered)]
    assert registered.trial_ends_at == clock() + timedelta(days=365)
    company = await access.organisation(operator(), company_id)
    assert company.receives_mandates(access.accreditation_rules, clock())
    clock.advance(days=365)
    assert not company.receives_mandates(access.accreditation_rules, clock())  # trial over, not accredited


async def test_the_trial_ends_only_after_a_year_and_three_mandating_members(
    access: AccessControl, company_id: str, clock
) -> None:
    for member_id in ["m-1", "m-2", "m-2", "m-1"]:  # the same member counts once
        await mandate(access, company_id, member_id)
    clock.advance(days=366)
    with pytest.raises(ConflictError, match="3 mandating members"):
        await access.decide_accreditation(operator(), company_id, AccreditationStatus.ACCREDITED, "good work")

    await mandate(access, company_id, "m-3")
    company = await access.decide_accreditation(operator(), company_id, AccreditationStatus.ACCREDITED, "good work")
    assert company.accreditation.status == "accredited"
    assert company.accreditation.decisions[-1].rules_version == "2026.1"
    assert access.organisations.published[-1] == AuditCompanyAccreditationChanged(
        organisation_id=company_id, status="accredited", previous_status="trial", reason="good work",
        changed_at=clock(), trial_ends_at=company.accreditation.trial_started_at + timedelta(days=365))


async def test_three_members_are_not_enough_before_a_year(access: AccessControl, company_id: str, clock) -> None:
    for member_id in ["m-1", "m-2", "m-3"]:
        await mandate(access, company_id, member_id)
    clock.advance(days=364)
    with pytest.raises(ConflictError):
        await access.decide_accreditation(operator(), company_id, AccreditationStatus.ACCREDITED, "too early")


async def test_the_operator_suspends_and_reinstates_the_trial(access: AccessControl, company_id: str) -> None:
    await access.decide_accreditation(operator(), company_id, AccreditationStatus.SUSPENDED, "bribery report")
    company = await access.decide_accreditation(operator(), company_id, AccreditationStatus.TRIAL, "cleared")
    assert [d.status for d in company.accreditation.decisions] == ["suspended", "trial"]
    with pytest.raises(ConflictError):
        await access.decide_accreditation(operator(), company_id, AccreditationStatus.TRIAL, "again")


async def test_only_the_operator_decides_and_only_about_audit_companies(
    access: AccessControl, company_id: str
) -> None:
    with pytest.raises(PermissionDeniedError):
        await access.decide_accreditation(member("m-1"), company_id, AccreditationStatus.SUSPENDED, "no")
    brand = (await access.register_organisation(operator(), "Brand", OrganisationKind.MEMBER, None)).organisation
    with pytest.raises(NotFoundError):
        await access.decide_accreditation(operator(), brand.id, AccreditationStatus.SUSPENDED, "no")
    with pytest.raises(NotFoundError):
        await access.decide_accreditation(operator(), "org-unknown", AccreditationStatus.SUSPENDED, "no")


async def test_mandates_for_unknown_companies_are_ignored(access: AccessControl) -> None:
    await mandate(access, "org-unknown", "m-1")
    assert access.organisations.published == []


async def test_the_operator_moves_a_trial_start_in_development_only(access: AccessControl, company_id: str,
                                                                   clock) -> None:
    year_ago = clock() - timedelta(days=400)
    with pytest.raises(NotFoundError):  # production: the route answers as if it did not exist
        await access.move_trial_start(operator(), company_id, year_ago)

    access.clock_override_allowed = True
    with pytest.raises(NotFoundError):
        await access.move_trial_start(member("m-1"), company_id, year_ago)
    company = await access.move_trial_start(operator(), company_id, year_ago)
    assert company.accreditation.trial_started_at == year_ago and company.accreditation.status == "trial"
    changed = access.organisations.published[-1]
    assert isinstance(changed, AuditCompanyAccreditationChanged)
    assert (changed.status, changed.previous_status) == ("trial", "trial")
    assert changed.trial_ends_at == year_ago + timedelta(days=365)


async def test_a_restatement_tells_every_audit_company_as_of_the_decision_that_set_its_status(
    access: AccessControl, company_id: str, clock
) -> None:
    on_trial = await access.register_organisation(operator(), "Audits Two", OrganisationKind.AUDIT_COMPANY, None)
    await access.register_organisation(operator(), "Brand", OrganisationKind.MEMBER, None)
    registered_at = clock()
    clock.advance(days=3)
    await access.decide_accreditation(operator(), company_id, AccreditationStatus.SUSPENDED, "copied reports")
    suspended_at = clock()
    clock.advance(days=30)
    with pytest.raises(PermissionDeniedError):
        await access.restate_accreditations(member("m-1"))

    told, restated_at = await access.restate_accreditations(operator(), batch=1)  # pages of one: every page read
    assert (told, restated_at) == (2, clock())
    restated = {e.organisation_id: e for e in access.organisations.published
                if isinstance(e, AuditCompanyAccreditationRestated)}
    assert (restated[company_id].status, restated[company_id].decided_at) == ("suspended", suspended_at)
    trial = restated[on_trial.organisation.id]
    assert (trial.status, trial.decided_at, trial.trial_ends_at) == (
        "trial", registered_at, registered_at + timedelta(days=365))
    assert (await access.organisation(operator(), company_id)).accreditation.status == "suspended"  # unchanged
