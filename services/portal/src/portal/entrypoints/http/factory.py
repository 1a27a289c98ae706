"""Pages of a factory: its overview, profile, Code of Conduct, CAPs with evidence upload, notifications,
and the members' link requests and links (the factory consents to each link, and can end it)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.responses import RedirectResponse, Response

from portal.adapters.gateway import ServiceProblem
from portal.domain import profile_form
from portal.domain.activity import happenings
from portal.domain.evidence_rules import ACCEPTED_EXTENSIONS, ACCEPTED_TYPES, refusal
from portal.entrypoints.http.deps import FactoryForm, FactoryPage, PageContext, checked_id, optional

router = APIRouter(prefix="/factory")


def site_of(page: PageContext) -> str:
    """The factory's own site (FactoryPage has checked the kind of organisation)."""
    if page.user is None or not page.user.factory_id:
        raise HTTPException(404)
    return page.user.factory_id


async def _signed_current(page: PageContext) -> tuple[dict | None, bool]:
    current, signatures = await asyncio.gather(
        optional(page.get("/access/code-of-conduct/current")), page.get("/access/code-of-conduct/signatures"))
    signed = bool(current) and any(s["code_version"] == current["version"] for s in signatures)
    return current, signed


@router.get("")
async def overview(page: FactoryPage) -> Response:
    factory_id = site_of(page)
    site, profile, (code, signed), caps, audits = await asyncio.gather(
        page.get(f"/registry/factories/{factory_id}"),
        optional(page.get(f"/registry/factories/{factory_id}/profile")),
        _signed_current(page),
        page.get("/caps/caps", factory_id=factory_id),
        page.get("/audits/audits", factory_id=factory_id),
    )
    open_items = [i for c in caps for i in c["items"] if i["status"] not in ("accepted", "closed")]
    rated = sorted((a for a in audits if a.get("report")), key=lambda a: a["mandated_at"], reverse=True)
    return page.render("factory/overview.html", site=site, profile=profile, code=code, signed=signed,
                       caps=caps, open_items=open_items, overdue=[i for i in open_items if i["overdue"]],
                       rated=rated)


@router.get("/profile")
async def profile(page: FactoryPage, saved: bool = False) -> Response:
    factory_id = site_of(page)
    if saved:
        page.flash = page._("The new version of the profile is saved.")
    current = await optional(page.get(f"/registry/factories/{factory_id}/profile"))
    return await _profile_page(page, factory_id, current, profile_form.form_values(current), {}, [])


async def _profile_page(page: PageContext, factory_id: str, current: dict | None, values: dict[str, str],
                        errors: dict[str, str], general: list[str], status_code: int = 200) -> Response:
    site, upstream, downstream = await asyncio.gather(
        page.get(f"/registry/factories/{factory_id}"),
        page.get(f"/registry/factories/{factory_id}/supply-chain/upstream"),
        page.get(f"/registry/factories/{factory_id}/supply-chain/downstream"),
    )
    rows = {name: profile_form.row_count(values, name) for name in profile_form.ROWS}
    return page.render("factory/profile.html", status_code=status_code, site=site, current=current, values=values,
                       errors=errors, general=general, rows=rows, upstream=upstream["sites"],
                       downstream=downstream["sites"], workforce_fields=profile_form.WORKFORCE,
                       building_uses=profile_form.BUILDING_USES, process_kinds=profile_form.PROCESS_KINDS)


@router.post("/profile")
async def submit_profile(page: FactoryForm) -> Response:
    factory_id = site_of(page)
    form = await page.request.form()
    values = {key: value for key, value in form.items() if isinstance(value, str) and key != "csrf_token"}
    try:
        await page.post(f"/registry/factories/{factory_id}/profiles", profile_form.profile_body(values))
    except ServiceProblem as problem:
        if problem.status not in (400, 409, 422):
            raise
        errors, general = profile_form.field_errors(problem.errors)
        if not errors and not general:
            general = [problem.detail or problem.title]
        current = await optional(page.get(f"/registry/factories/{factory_id}/profile"))
        return await _profile_page(page, factory_id, current, values, errors, general, status_code=422)
    return RedirectResponse("/factory/profile?saved=1", status_code=303)


@router.get("/code-of-conduct")
async def code_of_conduct(page: FactoryPage) -> Response:
    site_of(page)
    code, signed = await _signed_current(page)
    return page.render("factory/code_of_conduct.html", code=code, signed=signed)


@router.post("/code-of-conduct")
async def sign_code_of_conduct(page: FactoryForm) -> Response:
    site_of(page)
    form = await page.request.form()
    version = str(form.get("code_version") or "")
    if form.get("agree") != "yes":
        code, signed = await _signed_current(page)
        return page.render("factory/code_of_conduct.html", status_code=422, code=code, signed=signed,
                           error=page._("Please tick the box to confirm that you have read the Code of Conduct."))
    await page.post("/access/code-of-conduct/signatures", {"code_version": version})
    return RedirectResponse("/factory/code-of-conduct", status_code=303)


@router.get("/caps")
async def caps(page: FactoryPage) -> Response:
    factory_id = site_of(page)
    all_caps = await page.get("/caps/caps", factory_id=factory_id)
    return page.render("factory/caps.html", caps=all_caps)


async def _evidence_of(page: PageContext, cap: dict) -> dict[str, list[dict]]:
    files = await asyncio.gather(*(
        page.get(f"/evidence/caps/{cap['cap_id']}/items/{item['item_id']}/files") for item in cap["items"]))
    return {item["item_id"]: found for item, found in zip(cap["items"], files, strict=True)}


def _upload_limits(page: PageContext) -> dict:
    max_bytes = page.portal.settings.max_upload_bytes
    return {"max_bytes": max_bytes, "max_mb": max_bytes // (1024 * 1024), "types": ",".join(ACCEPTED_TYPES),
            "extensions": ",".join(ACCEPTED_EXTENSIONS)}


@router.get("/caps/{cap_id}")
async def cap(page: FactoryPage, cap_id: str, done: str | None = None) -> Response:
    site_of(page)
    page.flash = {"plan": page._("The plan is saved. The linked members see it."),
                  "extension": page._("Your request for more time is sent. A linked member will grant or refuse it."),
                  }.get(done or "")
    found = await page.get(f"/caps/caps/{cap_id}")
    evidence = await _evidence_of(page, found)
    return page.render("factory/cap.html", cap=found, evidence=evidence, limits=_upload_limits(page))


@router.post("/caps/{cap_id}/items/{item_id}/evidence")
async def upload_evidence(page: FactoryForm, cap_id: str, item_id: str,
                          file: Annotated[UploadFile | None, File()] = None) -> Response:
    site_of(page)
    limits = _upload_limits(page)
    message, failed = page._("The file was received and is waiting for a member's decision."), False
    content = await file.read(limits["max_bytes"] + 1) if file is not None else b""
    filename = (file.filename if file is not None else "") or ""
    why = refusal(filename, file.content_type if file is not None else None, len(content), limits["max_bytes"])
    if why is not None:
        message, failed = _refusal_text(page, why, filename, limits["max_mb"]), True
    else:
        try:
            await page.portal.gateway.request(
                "POST", f"/evidence/caps/{cap_id}/items/{item_id}/files", page.token,
                files={"file": (filename, content, file.content_type or "application/octet-stream")})
        except ServiceProblem as problem:
            if problem.status >= 500:
                raise
            message, failed = _refused_by_store(page, problem, filename, limits["max_mb"]), True
    found = await page.get(f"/caps/caps/{cap_id}")
    item = next((i for i in found["items"] if i["item_id"] == item_id), None)
    if item is None:
        raise HTTPException(404)
    if page.request.headers.get("X-Upload") == "1" or page.is_htmx:
        files = await page.get(f"/evidence/caps/{cap_id}/items/{item_id}/files")
        return page.render("factory/_item.html", status_code=422 if failed else 200, cap=found, item=item,
                           files=files, limits=limits, message=message, failed=failed)
    if failed:
        evidence = await _evidence_of(page, found)
        return page.render("factory/cap.html", status_code=422, cap=found, evidence=evidence, limits=limits,
                           message=message, failed=True, message_item=item_id)
    return RedirectResponse(f"/factory/caps/{cap_id}#item-{item_id}", status_code=303)


def _refusal_text(page: PageContext, why: str, filename: str, max_mb: int) -> str:
    if why == "empty":
        return page._("Please choose a file first.")
    if why == "size":
        return page._("%(name)s is larger than %(mb)s MB. Please send a smaller file.", name=filename, mb=max_mb)
    return page._("%(name)s is not a PDF, JPEG, PNG, DOCX or XLSX file.", name=filename)


def _refused_by_store(page: PageContext, problem: ServiceProblem, filename: str, max_mb: int) -> str:
    if problem.status == 413:
        return _refusal_text(page, "size", filename, max_mb)
    if "empty" in problem.detail:
        return _refusal_text(page, "empty", filename, max_mb)
    if problem.status == 415 or "content" in problem.detail:
        return page._("%(name)s is not what its name says: the platform accepts real PDF, JPEG, PNG, DOCX and "
                      "XLSX files only.", name=filename)
    if problem.status == 409:
        return page._("This item does not take evidence any more (it was decided or closed).")
    return problem.detail or problem.title


@router.get("/notifications")
async def notifications(page: FactoryPage) -> Response:
    factory_id = site_of(page)
    caps_found, audits = await asyncio.gather(page.get("/caps/caps", factory_id=factory_id),
                                              page.get("/audits/audits", factory_id=factory_id))
    return page.render("factory/notifications.html", happenings=happenings(audits, caps_found, date.today()))


# ---------------------------------------------------------------------------------------------- links

LINK_PROBLEMS = (400, 404, 409, 422)
ANSWERED = {"accept": "accepted", "decline": "declined"}


def _links_done(page: PageContext, done: str | None) -> str | None:
    """The confirmation after a post/redirect/get, chosen by a known key (never text from the URL)."""
    messages = {
        "accepted": page._("The request is accepted. The member now sees your site's audits and corrective actions."),
        "declined": page._("The request is declined. The member sees nothing of your site."),
        "ended": page._("The link has ended. The member no longer sees your site."),
    }
    return messages.get(done or "")


async def _links_page(page: PageContext, status_code: int = 200, error: str | None = None) -> Response:
    requests, linked = await asyncio.gather(page.get("/access/link-requests"), page.get("/access/factory-links"))
    return page.render("factory/links.html", status_code=status_code, error=error,
                       requests=sorted(requests, key=lambda r: str(r.get("requested_at") or r.get("since") or "")),
                       linked=sorted(linked, key=lambda link: str(link.get("member_name") or "").casefold()))


@router.get("/links")
async def links(page: FactoryPage, done: str | None = None) -> Response:
    """Who asks to link to the site (by name), to accept or decline; the members linked, to end a link."""
    site_of(page)
    page.flash = _links_done(page, done)
    return await _links_page(page)


async def _answer(page: PageContext, request_id: str, answer: str, message: str) -> Response:
    site_of(page)
    body = {"message": message.strip() or None}
    try:
        await page.post(f"/access/link-requests/{checked_id(request_id)}/{answer}", body)
    except ServiceProblem as problem:
        if problem.status not in LINK_PROBLEMS:
            raise
        # Answered meanwhile (by another admin, or withdrawn by the member): the list says how things stand.
        return await _links_page(page, status_code=problem.status, error=problem.detail or problem.title)
    return RedirectResponse(f"/factory/links?done={ANSWERED[answer]}", status_code=303)


@router.post("/links/requests/{request_id}/accept")
async def accept_link_request(page: FactoryForm, request_id: str,
                              message: Annotated[str, Form(max_length=1000)] = "") -> Response:
    return await _answer(page, request_id, "accept", message)


@router.post("/links/requests/{request_id}/decline")
async def decline_link_request(page: FactoryForm, request_id: str,
                               message: Annotated[str, Form(max_length=1000)] = "") -> Response:
    return await _answer(page, request_id, "decline", message)


async def _linked_member(page: PageContext, member_id: str) -> dict:
    member_id = checked_id(member_id)
    found = next((link for link in await page.get("/access/factory-links") if link["member_id"] == member_id), None)
    if found is None:
        raise HTTPException(404)
    return found


@router.get("/links/{member_id}/end")
async def end_link_confirm(page: FactoryPage, member_id: str) -> Response:
    site_of(page)
    return page.render("factory/end_link.html", link=await _linked_member(page, member_id))


@router.post("/links/{member_id}/end")
async def end_link(page: FactoryForm, member_id: str) -> Response:
    site_of(page)
    await page.delete(f"/access/factory-links/{checked_id(member_id)}")
    return RedirectResponse("/factory/links?done=ended", status_code=303)
