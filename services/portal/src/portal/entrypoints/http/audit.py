"""Pages of the audit company: its mandates (accept or decline them) and the report of an audit."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from portal.adapters.gateway import ServiceProblem
from portal.domain.report_form import (
    ANSWER_VALUES,
    GENERAL,
    MAX_FINDING_ROWS,
    SEVERITIES,
    FormErrors,
    UploadRefused,
    errors_in_place,
    finding_field,
    html_id,
    parse_upload,
    read_form,
    sections_for,
    upload_errors,
)
from portal.entrypoints.http.deps import AuditForm, AuditPage, checked_id, is_id, PageContext

router = APIRouter()

STATUSES = ("mandated", "accepted", "report_published", "declined")
PAGE_SIZE = 20
# A report body is some hundred answers of text: far below this.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
DONE = ("accepted", "declined", "report")
# Problems of a form the user can mend; others go to the error page.
FORM_PROBLEMS = (400, 409, 422)





@router.get("/audit")
async def mandates(page: AuditPage, status: str = "", cursor: str = "", done: str = "",
                   audit: str = "") -> Response:
    return await _mandates_page(page, status, cursor, done=done, audit_id=audit)


async def _mandates_page(page: PageContext, status: str, cursor: str, done: str = "", audit_id: str = "",
                         error: str | None = None, status_code: int = 200) -> Response:
    status = status if status in STATUSES else ""
    published = None
    if done == "report" and is_id(audit_id):
        try:
            published = await page.get(f"/audits/audits/{audit_id}")
        except ServiceProblem:
            published = None  # the message without the rating, then
    items, next_cursor, cursor = await page.listing("/audits/mandates", cursor, status=status, limit=PAGE_SIZE)
    return page.render("audit/mandates.html", status_code=status_code, mandates=items, status=status,
                       statuses=STATUSES, cursor=cursor, next_cursor=next_cursor,
                       done=done if done in DONE else "", published=published, error=error)


@router.post("/audit/mandates/{audit_id}/decision")
async def answer_mandate(page: AuditForm, audit_id: str, decision: Annotated[str, Form()],
                         reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    checked_id(audit_id)
    if decision not in ("accept", "decline"):
        raise HTTPException(status_code=400)
    body: dict[str, Any] = {"decision": decision}
    if decision == "decline" and reason.strip():
        body["reason"] = reason.strip()
    try:
        await page.post(f"/audits/audits/{audit_id}/decision", body)
    except ServiceProblem as problem:
        if problem.status not in FORM_PROBLEMS:
            raise
        message = problem.detail or page._("The mandate could not be answered.")
        return await _mandates_page(page, "", "", error=message, status_code=problem.status)
    done = "accepted" if decision == "accept" else "declined"
    return RedirectResponse(f"/audit?done={done}", status_code=303)


# The report of one audit.

async def _report_context(page: PageContext, audit_id: str, workforce: int | None) -> dict[str, Any]:
    audit, questionnaire = await asyncio.gather(page.get(f"/audits/audits/{audit_id}"),
                                                page.get("/audits/questionnaire"))
    sample = None
    if workforce:
        sample = await page.get("/audits/sampling", workforce=workforce, audit_type=audit["audit_type"])
    return {"audit": audit, "questionnaire": questionnaire, "sample": sample,
            "sections": sections_for(questionnaire, audit["scope"])}


def _render_report(page: PageContext, context: dict[str, Any], values: dict[str, str], rows: int,
                   errors: FormErrors | None = None, upload: list[tuple[str, str]] | None = None,
                   upload_error: str | None = None, status_code: int = 200) -> Response:
    return page.render(
        "audit/report.html", status_code=status_code, values=values, rows=rows, errors=errors or FormErrors(),
        upload_errors=upload or [], upload_error=upload_error, answer_values=ANSWER_VALUES,
        severities=SEVERITIES, finding_field=finding_field, html_id=html_id, general=GENERAL,
        max_rows=MAX_FINDING_ROWS, max_upload_bytes=MAX_UPLOAD_BYTES, **context,
    )


def _with_sample(values: dict[str, str], sample: dict | None) -> dict[str, str]:
    """The required sample as the starting numbers, where the auditor has not typed their own."""
    if sample is None:
        return values
    filled = dict(values)
    for name, key in (("workers_interviewed", "interviews"), ("documents_sampled", "documents"),
                      ("auditor_days", "auditor_days")):
        if not filled.get(name):
            filled[name] = _plain_number(sample[key])
    return filled


def _plain_number(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _workforce(text: str | None) -> int | None:
    try:
        value = int(str(text or "").strip())
    except ValueError:
        return None
    return value if 1 <= value <= 1_000_000 else None


@router.get("/audit/mandates/{audit_id}/report")
async def report_form(page: AuditPage, audit_id: str, workforce: str = "") -> Response:
    checked_id(audit_id)
    workers = _workforce(workforce)
    context = await _report_context(page, audit_id, workers)
    values = _with_sample({"workforce": str(workers) if workers else ""}, context["sample"])
    return _render_report(page, context, values, rows=1)


@router.post("/audit/mandates/{audit_id}/report")
async def submit_report(page: AuditForm, audit_id: str) -> Response:
    checked_id(audit_id)
    form = await page.request.form()
    values = {name: value for name, value in form.items() if isinstance(value, str)}
    rows = max(1, min(_int(values.get("finding_rows"), 1), MAX_FINDING_ROWS))
    action = values.get("action", "submit")
    workers = _workforce(values.get("workforce"))
    context = await _report_context(page, audit_id, workers if action == "sample" else None)
    if action == "add_finding":
        return _render_report(page, context, values, rows=min(rows + 1, MAX_FINDING_ROWS))
    if action == "sample":
        errors = FormErrors()
        if workers is None:
            errors.add("workforce", page._("Enter the number of workers at the site (a whole number)."))
        return _render_report(page, context, _with_sample(values, context["sample"]), rows=rows, errors=errors,
                              status_code=422 if errors else 200)
    if context["audit"]["status"] != "accepted":
        return _render_report(page, context, values, rows=rows)  # the page says why there is no form
    draft = read_form(context["sections"], values, rows)
    try:
        await page.post(f"/audits/audits/{audit_id}/report", draft.body)
    except ServiceProblem as problem:
        if problem.status not in FORM_PROBLEMS:
            raise
        known = {q["id"] for q in context["questionnaire"]["questions"]}
        errors = errors_in_place(problem.errors, draft, known)
        if not errors:
            errors.add(GENERAL, problem.detail or problem.title)
        return _render_report(page, context, values, rows=rows, errors=errors, status_code=problem.status)
    return RedirectResponse(f"/audit?done=report&audit={audit_id}", status_code=303)


@router.post("/audit/mandates/{audit_id}/report/upload")
async def upload_report(page: AuditForm, audit_id: str) -> Response:
    checked_id(audit_id)
    form = await page.request.form()
    upload = form.get("report")
    context = await _report_context(page, audit_id, None)
    content = await upload.read(MAX_UPLOAD_BYTES + 1) if isinstance(upload, UploadFile) else b""
    refusal = None
    if not content:
        refusal = page._("Choose a JSON file with the report.")
    elif len(content) > MAX_UPLOAD_BYTES:
        refusal = page._("The file is larger than a report can be.")
    if refusal is None:
        try:
            body = parse_upload(content)
        except UploadRefused as refused:
            refusal = (page._("The file is not JSON (UTF-8).") if refused.reason == "not_json"
                       else page._("The file holds JSON, but not one report object ({ ... })."))
    if refusal is not None:
        return _render_report(page, context, {}, rows=1, upload_error=refusal, status_code=422)
    try:
        await page.post(f"/audits/audits/{audit_id}/report", body)
    except ServiceProblem as problem:
        if problem.status not in FORM_PROBLEMS:
            raise
        listed = upload_errors(problem.errors)
        return _render_report(page, context, {}, rows=1, upload=listed,
                              upload_error=None if listed else (problem.detail or problem.title),
                              status_code=problem.status)
    return RedirectResponse(f"/audit?done=report&audit={audit_id}", status_code=303)


def _int(text: str | None, default: int) -> int:
    try:
        return int(str(text))
    except ValueError:
        return default
