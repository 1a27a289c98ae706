"""HTTP routes of audit-service."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from audit_service.domain.model import Audit, NewFinding
from audit_service.entrypoints.http.schemas import AuditOut, FindingOut, MandateAudit, ReportOut, SubmitReport
from audit_service.service_layer.handlers import AuditHandlers
from shared_audits.auth import Principal
from shared_audits.http import CurrentPrincipal

router = APIRouter(tags=["audits"])


def _handlers(request: Request) -> AuditHandlers:
    return request.app.state.audit_handlers


Handlers = Annotated[AuditHandlers, Depends(_handlers)]


def _out(audit: Audit, caller: Principal) -> AuditOut:
    report = None
    if audit.report:
        # Worker confidentiality: the factory gets the summary, never the findings' detail.
        findings = None if caller.is_factory else [FindingOut(**f.model_dump()) for f in audit.report.findings]
        report = ReportOut(
            compliance_percentage=audit.report.compliance_percentage,
            letter=audit.report.letter,
            rule_set_version=audit.report.rule_set_version,
            published_at=audit.report.published_at,
            findings=findings,
        )
    return AuditOut(
        audit_id=audit.id,
        factory_id=audit.factory_id,
        member_id=audit.member_id,
        audit_company_id=audit.audit_company_id,
        audit_type=audit.audit_type,
        scope=audit.scope,
        announcement=audit.announcement,
        status=audit.status,
        mandated_at=audit.mandated_at,
        report=report,
    )


@router.post("/audits", response_model=AuditOut, status_code=201)
async def mandate_audit(body: MandateAudit, caller: CurrentPrincipal, handlers: Handlers) -> AuditOut:
    audit = await handlers.mandate_audit(
        caller, body.factory_id, body.audit_company_id, body.audit_type, body.scope, body.announcement
    )
    return _out(audit, caller)


@router.get("/audits", response_model=list[AuditOut])
async def audits_of_factory(
    caller: CurrentPrincipal, handlers: Handlers, factory_id: Annotated[str, Query(min_length=1, max_length=64)]
) -> list[AuditOut]:
    return [_out(audit, caller) for audit in await handlers.audits_of_factory(caller, factory_id)]


@router.get("/audits/{audit_id}", response_model=AuditOut)
async def get_audit(audit_id: str, caller: CurrentPrincipal, handlers: Handlers) -> AuditOut:
    return _out(await handlers.audit_for(caller, audit_id), caller)


@router.post("/audits/{audit_id}/report", response_model=AuditOut)
async def submit_report(audit_id: str, body: SubmitReport, caller: CurrentPrincipal, handlers: Handlers) -> AuditOut:
    findings = [NewFinding(**finding.model_dump()) for finding in body.findings]
    return _out(await handlers.submit_report(caller, audit_id, body.compliance_percentage, findings), caller)
