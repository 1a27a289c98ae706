"""HTTP routes of audit-service: translate requests to use cases and results to responses."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from audit_service.domain.disclosure import mandating_member_seen_by
from audit_service.domain.model import Audit, AuditStatus, ImportedReport, ReportSubmission
from audit_service.domain.report import ReportView
from shared_audits.problems import problems
from audit_service.entrypoints.http.schemas import (
    AnswerMandate,
    AuditOut,
    DueOut,
    FindingOut,
    ImportReports,
    MandateAudit,
    MandateOut,
    OverdueReportScan,
    OverdueReportScanOut,
    QuestionnaireOut,
    ReportDetail,
    ReportImportOut,
    ReportOut,
    RiskOut,
    SampleOut,
    SubmitReport,
)
from audit_service.service_layer.handlers import AuditHandlers
from audit_service.service_layer.mandates import MandatePage, MandateQueries
from shared_audits.auth import Principal
from shared_audits.contracts.enums import AuditType
from shared_audits.errors import InvalidRequestError
from shared_audits.http import NEXT_PAGE_HEADERS, CurrentPrincipal, CurrentViewer, link_next_page
from shared_audits.member_groups import MemberViewer

router = APIRouter(tags=["audits"])


def _handlers(request: Request) -> AuditHandlers:
    return request.app.state.audit_handlers


Handlers = Annotated[AuditHandlers, Depends(_handlers)]


def _mandate_queries(request: Request) -> MandateQueries:
    return request.app.state.mandate_queries


Mandates = Annotated[MandateQueries, Depends(_mandate_queries)]

def _report_out(view: ReportView | None) -> ReportOut | None:
    if view is None:
        return None
    summary = ReportOut(**view.summary.model_dump())
    report = view.full
    if report is None:
        return summary  # the factory's view (Report.view_for): the chapter summary only
    findings = [FindingOut(**finding.model_dump()) for finding in report.findings]
    summary.findings = findings
    summary.detail = ReportDetail(
        findings=findings,
        answers=[answer.model_dump() for answer in report.answers],
        nonconformities_by_chapter={c.chapter: c.nonconformities for c in report.chapter_scores},
        has_alert=report.has_alert,
        audit_first_day=report.audit_first_day,
        audit_last_day=report.audit_last_day,
        due_on=report.due_on,
        workers_interviewed=report.workers_interviewed,
        documents_sampled=report.documents_sampled,
        auditor_days=report.auditor_days,
        required_sample=SampleOut(**report.required_sample.model_dump()),
        flags=[str(flag) for flag in report.flags],
        rule_versions=report.rule_versions,
    )
    return summary


def _out(audit: Audit, caller: Principal, viewer: MemberViewer) -> AuditOut:
    view = audit.view_for(caller)
    return AuditOut(
        audit_id=audit.id,
        factory_id=audit.factory_id,
        member_id=mandating_member_seen_by(viewer, audit),
        audit_company_id=audit.audit_company_id,
        audit_type=audit.audit_type,
        scope=audit.scope,
        announcement=audit.announcement,
        window_starts_on=audit.window_starts_on,
        window_ends_on=audit.window_ends_on,
        status=audit.status,
        mandated_at=audit.mandated_at,
        decided_at=audit.decided_at,
        decline_reason=audit.decline_reason,
        report=_report_out(view.report),
        due=[DueOut(**due.model_dump(mode="json")) for due in view.due],
        report_overdue_since=view.report_overdue_since,
        rule_versions=audit.rule_versions,
        follows_audit_id=audit.follows_audit_id,
    )


@router.post(
    "/audits", response_model=AuditOut, status_code=201,
    responses=problems({
        409: "The audit company takes no new mandates: suspended, or its trial ended without accreditation "
             "(`accreditation_status`, and `trial_ended_at` for the latter); or the audit named in "
             "`follows_audit_id` has no published report yet",
        422: "A bad field (one entry per field in `errors`); or `follows_audit_id` on an audit that is not a "
             "follow-up, naming an audit of another site, or one the caller may not see",
    }),
)
async def mandate_audit(body: MandateAudit, caller: CurrentPrincipal, viewer: CurrentViewer,
                        handlers: Handlers) -> AuditOut:
    if (body.window_starts_on is None) != (body.window_ends_on is None):
        raise InvalidRequestError("give both window_starts_on and window_ends_on, or neither")
    window = (body.window_starts_on, body.window_ends_on) if body.window_starts_on else None
    audit = await handlers.mandate_audit(
        caller, body.factory_id, body.audit_company_id, body.audit_type, body.scope, body.announcement, window,
        follows_audit_id=body.follows_audit_id,
    )
    return _out(audit, caller, viewer)


@router.get(
    "/audits", response_model=list[AuditOut],
    responses={
        200: {"description": "One page of the site's audits the caller may read, by id", "headers": NEXT_PAGE_HEADERS},
        **problems({
            401: "No valid bearer token",
            404: "No such site, or one the caller may not see (the same answer)",
            422: "A bad factory_id, limit or cursor (one entry per field in `errors`)",
        }),
    },
)
async def audits_of_factory(
    request: Request,
    response: Response,
    caller: CurrentPrincipal, viewer: CurrentViewer, handlers: Handlers,
    factory_id: Annotated[str, Query(min_length=1, max_length=64)],
    limit: Annotated[int, Query(ge=1, le=500, description="Audits per page")] = 500,
    cursor: Annotated[str | None, Query(min_length=1, max_length=64,
                                        description="From the previous page's `X-Next-Cursor`")] = None,
) -> list[AuditOut]:
    """A site's audits, a page at a time: follow `Link: rel="next"` (or `X-Next-Cursor`) until it is absent."""
    page = await handlers.audits_of_factory(caller, factory_id, limit=limit, after=cursor)
    link_next_page(request, response, page.next_after, limit)
    return [_out(audit, caller, viewer) for audit in page.audits]


@router.get(
    "/mandates", response_model=list[MandateOut],
    responses={
        200: {"description": "One page of the caller's mandates, newest first", "headers": NEXT_PAGE_HEADERS},
        **problems({
            401: "No valid bearer token",
            403: "Not an audit company (members list a site's audits at GET /audits?factory_id=)",
            422: "A bad status, limit or cursor (one entry per field in `errors`, or a cursor this list did not give)",
        }),
    },
)
async def mandates_of_company(
    request: Request,
    response: Response,
    caller: CurrentPrincipal,
    mandates: Mandates,
    status: Annotated[AuditStatus | None, Query(description="Only mandates in this status")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Mandates per page")] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512,
                                        description="From the previous page's `X-Next-Cursor`")] = None,
) -> list[MandateOut]:
    """The audits mandated to the calling audit company, newest first; never another company's.

    Follow `Link: rel="next"` (or `X-Next-Cursor`) until it is absent.
    """
    page = await mandates.mandates_of(caller, status, limit=limit, cursor=cursor)
    link_next_page(request, response, page.next_cursor, limit)
    return _mandates_out(page)


def _mandates_out(page: MandatePage) -> list[MandateOut]:
    out = []
    for mandate in page.mandates:
        site = page.sites.get(mandate.factory_id)
        out.append(MandateOut(
            **mandate.model_dump(),
            factory_name=site.name if site else None,
            factory_country=site.country if site else None,
            factory_city=site.city if site else None,
        ))
    return out


@router.get("/audits/{audit_id}", response_model=AuditOut)
async def get_audit(audit_id: str, caller: CurrentPrincipal, viewer: CurrentViewer, handlers: Handlers) -> AuditOut:
    return _out(await handlers.audit_for(caller, audit_id), caller, viewer)


@router.post("/audits/{audit_id}/decision", response_model=AuditOut)
async def answer_mandate(audit_id: str, body: AnswerMandate, caller: CurrentPrincipal, viewer: CurrentViewer,
                        handlers: Handlers) -> AuditOut:
    audit = await handlers.answer_mandate(caller, audit_id, body.decision == "accept", body.reason)
    return _out(audit, caller, viewer)


@router.post("/audits/{audit_id}/report", response_model=AuditOut)
async def submit_report(audit_id: str, body: SubmitReport, caller: CurrentPrincipal, viewer: CurrentViewer,
                        handlers: Handlers) -> AuditOut:
    return _out(await handlers.submit_report(caller, audit_id, _submission(body)), caller, viewer)


def _submission(body: SubmitReport) -> ReportSubmission:
    return ReportSubmission(
        audit_first_day=body.audit_first_day,
        audit_last_day=body.audit_last_day,
        answers=body.answers,
        findings=body.findings,
        workers_interviewed=body.workers_interviewed,
        documents_sampled=body.documents_sampled,
        auditor_days=body.auditor_days,
    )


@router.post("/report-overdue-scans", response_model=OverdueReportScanOut, include_in_schema=False)
async def scan_overdue_reports(body: OverdueReportScan, caller: CurrentPrincipal,
                               handlers: Handlers) -> OverdueReportScanOut:
    """Run the scheduled overdue-report check as of a chosen day: operators, development only (404 otherwise)."""
    flagged = await handlers.scan_overdue_reports_as_of(caller, body.as_of)
    return OverdueReportScanOut(as_of=body.as_of, audits_flagged=flagged)


@router.post("/imports/reports", response_model=ReportImportOut)
async def import_reports(body: ImportReports, caller: CurrentPrincipal, handlers: Handlers) -> ReportImportOut:
    """The operator's bulk import of reports from the system the platform replaces (up to 1,000 a request)."""
    records = [
        ImportedReport(audit_id=r.audit_id, factory_id=r.factory_id, member_id=r.member_id,
                       audit_company_id=r.audit_company_id, audit_type=r.audit_type, scope=r.scope,
                       published_at=r.published_at, workforce=r.workforce, country=r.country,
                       submission=_submission(r))
        for r in body.reports
    ]
    outcome = await handlers.import_reports(caller, records)
    return ReportImportOut(**outcome.__dict__)


@router.get("/questionnaire", response_model=QuestionnaireOut)
async def questionnaire(caller: CurrentPrincipal, handlers: Handlers) -> QuestionnaireOut:
    return QuestionnaireOut(**(await handlers.rules.in_force()).questionnaire.model_dump())


@router.get("/sampling", response_model=SampleOut)
async def sampling(
    caller: CurrentPrincipal,
    handlers: Handlers,
    workforce: Annotated[int, Query(ge=1, le=1_000_000)],
    audit_type: AuditType = AuditType.INITIAL,
) -> SampleOut:
    return SampleOut(**(await handlers.sample_size(workforce, audit_type)).model_dump())


@router.get("/risk/countries", response_model=RiskOut)
async def risk_by_country(caller: CurrentPrincipal, handlers: Handlers) -> RiskOut:
    cells = await handlers.risk_by_country(caller)
    monitoring = (await handlers.rules.in_force()).monitoring
    return RiskOut(min_factories_per_cell=monitoring.risk_min_factories_per_cell,
                   rule_set_version=monitoring.version, cells=[cell.model_dump() for cell in cells])


@router.get("/risk/supply-chain", response_model=RiskOut)
async def risk_of_supply_chain(caller: CurrentPrincipal, handlers: Handlers) -> RiskOut:
    cells = await handlers.risk_of_supply_chain(caller)
    monitoring = (await handlers.rules.in_force()).monitoring
    return RiskOut(min_factories_per_cell=None, rule_set_version=monitoring.version,
                   cells=[cell.model_dump() for cell in cells])
