"""audit-service's use cases over in-memory fakes."""

import pytest

from audit_service.adapters.audit_companies import InMemoryAuditCompanies
from audit_service.adapters.rules import load_rating_rules
from audit_service.domain.model import NewFinding
from audit_service.service_layer.handlers import AuditHandlers
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType
from shared_audits.contracts.events import AuditMandated, AuditReportPublished, CriticalFindingRaised
from shared_audits.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from shared_audits.links import InMemoryLinkProjection
from shared_audits.store import InMemoryAggregateStore
from shared_audits.testing import audit_company, factory_account, member

MANDATE = (AuditType.INITIAL, AuditScope.SOCIAL, Announcement.SEMI_ANNOUNCED)
LOCKED_EXIT = NewFinding(
    chapter="9 Health and safety", severity="critical", description="Emergency exit locked", recommended_action="Unlock"
)


@pytest.fixture
def audits() -> AuditHandlers:
    return AuditHandlers(
        audits=InMemoryAggregateStore(),
        links=InMemoryLinkProjection({("m-a", "f-1"), ("m-b", "f-1")}),
        audit_companies=InMemoryAuditCompanies({"ac-1"}),
        rating_rules=load_rating_rules(),
    )


async def test_only_a_linked_member_mandates_an_audit(audits: AuditHandlers) -> None:
    with pytest.raises(NotFoundError):
        await audits.mandate_audit(member("m-c"), "f-1", "ac-1", *MANDATE)
    with pytest.raises(PermissionDeniedError):
        await audits.mandate_audit(factory_account("f-1"), "f-1", "ac-1", *MANDATE)
    with pytest.raises(InvalidRequestError):
        await audits.mandate_audit(member("m-a"), "f-1", "ac-unknown", *MANDATE)
    audit = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", *MANDATE)
    assert isinstance(audits.audits.published[0], AuditMandated)
    assert audit.member_id == "m-a"


async def test_a_critical_finding_caps_the_letter_and_raises_an_alert(audits: AuditHandlers) -> None:
    audit = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", *MANDATE)
    published = await audits.submit_report(audit_company("ac-1"), audit.id, 85, [LOCKED_EXIT])
    assert published.report.letter == "E"
    kinds = [type(e) for e in audits.audits.published]
    assert kinds == [AuditMandated, AuditReportPublished, CriticalFindingRaised]


async def test_only_the_mandated_company_reports_and_only_once(audits: AuditHandlers) -> None:
    audit = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", *MANDATE)
    with pytest.raises(NotFoundError):
        await audits.submit_report(audit_company("ac-2"), audit.id, 90, [])
    with pytest.raises(PermissionDeniedError):
        await audits.submit_report(member("m-a"), audit.id, 90, [])
    await audits.submit_report(audit_company("ac-1"), audit.id, 90, [])
    with pytest.raises(ConflictError):
        await audits.submit_report(audit_company("ac-1"), audit.id, 90, [])


async def test_every_linked_member_sees_an_audit_another_member_mandated(audits: AuditHandlers) -> None:
    audit = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", *MANDATE)
    assert (await audits.audit_for(member("m-b"), audit.id)).id == audit.id
    with pytest.raises(NotFoundError):
        await audits.audit_for(member("m-c"), audit.id)
    assert await audits.audits_of_factory(audit_company("ac-2"), "f-1") == []
