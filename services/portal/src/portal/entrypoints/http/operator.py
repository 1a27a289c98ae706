"""Pages of the operator: organisations and their users, accreditation of audit companies,
duplicate sites and their merge, the platform's health (dead letters, consumer lag) and the rule sets' versions."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from portal.adapters.gateway import ServiceProblem
from portal.adapters.service_metrics import read_platform_health
from portal.domain.report_form import UploadRefused, parse_upload, upload_errors
from portal.domain.service_health import LAG_ATTENTION
from portal.entrypoints.http.deps import OperatorForm, OperatorPage, checked_id, PageContext

router = APIRouter()

KINDS = ("member", "factory", "audit_company", "operator")
ACCREDITATION_STATUSES = ("trial", "accredited", "suspended")
ORGANISATIONS_PER_PAGE = 50
PAIRS_PER_PAGE = 50
# Problems of a form the user can mend; others go to the error page.
FORM_PROBLEMS = (400, 409, 422)





# Organisations and their users.

@router.get("/operator")
async def organisations(page: OperatorPage, kind: str = "", cursor: str = "") -> Response:
    kind = kind if kind in KINDS else ""
    items, next_cursor, cursor = await page.listing("/access/organisations", cursor, kind=kind,
                                                    limit=ORGANISATIONS_PER_PAGE)
    return page.render("operator/organisations.html", organisations=items, kind=kind, kinds=KINDS,
                       cursor=cursor, next_cursor=next_cursor)


async def _organisation_page(page: PageContext, organisation_id: str, done: str = "",
                             values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                             status_code: int = 200) -> Response:
    organisation, users = await asyncio.gather(
        page.get(f"/access/organisations/{organisation_id}"),
        page.get("/access/users", organisation_id=organisation_id),
    )
    return page.render("operator/organisation.html", status_code=status_code, organisation=organisation,
                       users=users, statuses=ACCREDITATION_STATUSES, done=done == "accreditation",
                       values=values or {}, errors=errors or {})


@router.get("/operator/organisations/{organisation_id}")
async def organisation(page: OperatorPage, organisation_id: str, done: str = "") -> Response:
    return await _organisation_page(page, checked_id(organisation_id), done)


@router.post("/operator/organisations/{organisation_id}/accreditation")
async def decide_accreditation(page: OperatorForm, organisation_id: str, status: Annotated[str, Form()] = "",
                               reason: Annotated[str, Form(max_length=1000)] = "") -> Response:
    checked_id(organisation_id)
    values = {"status": status, "reason": reason}
    errors = {}
    if status not in ACCREDITATION_STATUSES:
        errors["status"] = page._("Choose the decision.")
    if not reason.strip():
        errors["reason"] = page._("Give the reason for the decision: the audit company and members read it.")
    if errors:
        return await _organisation_page(page, organisation_id, values=values, errors=errors, status_code=422)
    try:
        await page.post(f"/access/organisations/{organisation_id}/accreditation",
                        {"status": status, "reason": reason.strip()})
    except ServiceProblem as problem:
        if problem.status not in FORM_PROBLEMS:
            raise
        errors = {name: message for name, message in problem.field_errors.items() if name in values}
        if not errors:
            errors["form"] = problem.detail or problem.title
        return await _organisation_page(page, organisation_id, values=values, errors=errors,
                                        status_code=problem.status)
    return RedirectResponse(f"/operator/organisations/{organisation_id}?done=accreditation", status_code=303)


# Duplicate sites and their merge.

def _country(text: str) -> str:
    country = text.strip().upper()
    return country if len(country) == 2 and country.isascii() and country.isalpha() else ""


@router.get("/operator/duplicates")
async def duplicates(page: OperatorPage, country: str = "", done: str = "") -> Response:
    asked = country
    country = _country(country)
    review = await page.get("/registry/duplicates", country=country, limit=PAIRS_PER_PAGE)
    return page.render("operator/duplicates.html", review=review, country=country,
                       country_refused=bool(asked.strip()) and not country, merged=done == "merged")


async def _site(page: PageContext, factory_id: str) -> dict | None:
    """A site of the registry, or None when it is gone or was merged meanwhile (a 404 or a 308)."""
    try:
        response = await page.portal.gateway.request("GET", f"/registry/factories/{factory_id}", page.token)
    except ServiceProblem as problem:
        if problem.status == 404:
            return None
        raise
    if response.status_code != 200:
        return None
    return response.json()


async def _merge_page(page: PageContext, merged_id: str, surviving_id: str, error: str | None = None,
                      status_code: int = 200) -> Response:
    if checked_id(merged_id) == checked_id(surviving_id):
        raise HTTPException(status_code=404)
    merged, surviving = await asyncio.gather(_site(page, merged_id), _site(page, surviving_id))
    return page.render("operator/merge.html", status_code=status_code, merged=merged, surviving=surviving,
                       error=error)


@router.get("/operator/duplicates/merge")
async def merge_form(page: OperatorPage, merged: str = "", surviving: str = "") -> Response:
    return await _merge_page(page, merged, surviving)


@router.post("/operator/duplicates/merge")
async def merge(page: OperatorForm, merged_factory_id: Annotated[str, Form(max_length=64)],
                surviving_factory_id: Annotated[str, Form(max_length=64)]) -> Response:
    try:
        await page.post("/registry/merges", {"merged_factory_id": merged_factory_id,
                                             "surviving_factory_id": surviving_factory_id})
    except ServiceProblem as problem:
        if problem.status not in (*FORM_PROBLEMS, 404):
            raise
        message = problem.detail or page._("The sites could not be merged.")
        return await _merge_page(page, merged_factory_id, surviving_factory_id, error=message,
                                 status_code=problem.status)
    return RedirectResponse("/operator/duplicates?done=merged", status_code=303)


# Platform health.

@router.get("/operator/health")
async def health(page: OperatorPage) -> Response:
    platform = await read_platform_health(page.portal.settings.metrics_endpoints)
    return page.render("operator/health.html", platform=platform, lag_attention=LAG_ATTENTION,
                       read_at=datetime.now(UTC))


# Rule sets: the versions published, and a new version uploaded as a JSON file.

# Each kind of rule set and where its versions are, in the order the page lists them.
RULE_SETS = {
    "questionnaire": "/audits/rules/questionnaire/versions",
    "rating": "/audits/rules/rating/versions",
    "sampling": "/audits/rules/sampling/versions",
    "monitoring": "/audits/rules/monitoring/versions",
    "timing": "/audits/rules/timing/versions",
    "documents": "/audits/rules/documents/versions",
    "deadlines": "/caps/rules/deadlines/versions",
}
MAX_RULE_SET_BYTES = 1024 * 1024
VERSION = re.compile(r"\d{1,6}(\.\d{1,6}){0,3}")


async def _rules_page(page: PageContext, kind: str = "", published: dict | None = None,
                      upload_error: str | None = None, upload_errors: list[tuple[str, str]] | None = None,
                      status_code: int = 200) -> Response:
    listed = await asyncio.gather(*(page.get(path) for path in RULE_SETS.values()))
    return page.render("operator/rules.html", status_code=status_code, rule_sets=dict(zip(RULE_SETS, listed)),
                       kind=kind, published=published, upload_error=upload_error, upload_errors=upload_errors or [])


@router.get("/operator/rules")
async def rule_sets(page: OperatorPage, published: str = "", version: str = "") -> Response:
    done = {"kind": published, "version": version} if published in RULE_SETS and VERSION.fullmatch(version) else None
    return await _rules_page(page, published=done)


@router.get("/operator/rules/{kind}/{version}.json")
async def rule_set_version(page: OperatorPage, kind: str, version: str) -> Response:
    """One version as a JSON file: the starting point of the next version."""
    if kind not in RULE_SETS or not VERSION.fullmatch(version):
        raise HTTPException(status_code=404)
    stored = await page.get(f"{RULE_SETS[kind]}/{version}")
    return Response(json.dumps(stored["content"], indent=2, ensure_ascii=False), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{kind}-{stored["version"]}.json"'})


@router.post("/operator/rules")
async def publish_rule_set(page: OperatorForm) -> Response:
    form = await page.request.form()
    kind = str(form.get("kind") or "")
    upload = form.get("rules")
    content = await upload.read(MAX_RULE_SET_BYTES + 1) if isinstance(upload, UploadFile) else b""
    refusal = None
    if kind not in RULE_SETS:
        refusal = page._("Choose which rule set the file is a new version of.")
    elif not content:
        refusal = page._("Choose a JSON file with the rule set.")
    elif len(content) > MAX_RULE_SET_BYTES:
        refusal = page._("The file is larger than a rule set can be.")
    if refusal is None:
        try:
            body = parse_upload(content)
        except UploadRefused as refused:
            refusal = (page._("The file is not JSON (UTF-8).") if refused.reason == "not_json"
                       else page._("The file holds JSON, but not one rule set object ({ ... })."))
    if refusal is not None:
        return await _rules_page(page, kind=kind, upload_error=refusal, status_code=422)
    try:
        published = await page.post(RULE_SETS[kind], body)
    except ServiceProblem as problem:
        if problem.status not in (*FORM_PROBLEMS, 403):
            raise
        listed = upload_errors(problem.errors)
        return await _rules_page(page, kind=kind, upload_errors=listed,
                                 upload_error=None if listed else (problem.detail or problem.title),
                                 status_code=problem.status)
    return RedirectResponse(f"/operator/rules?published={kind}&version={published['version']}", status_code=303)
