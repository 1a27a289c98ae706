"""What an audit company's own recipients are told: its mandates, its overdue reports, its accreditation."""

from __future__ import annotations

from shared_audits.contracts.envelope import EventPayload
from shared_audits.contracts.events import AuditCompanyAccreditationChanged, AuditMandated, AuditReportOverdue

# The events that name one audit company; the rules say which of them are e-mailed.
ABOUT_AN_AUDIT_COMPANY = (AuditMandated, AuditReportOverdue, AuditCompanyAccreditationChanged)


def audit_company_of(event: EventPayload) -> str | None:
    """The audit company an event is addressed to; None when it names none.

    The company's copy is the whole event: it works for the member that mandated it and
    sees that member's name in audit-service too.
    """
    if isinstance(event, AuditCompanyAccreditationChanged):
        return event.organisation_id
    return getattr(event, "audit_company_id", None)
