"""Pages of the member role: linked sites with their audits and CAPs, search, inbox, settings, risk picture.

Each route loads what its page shows from the services, with the member's token, and renders it;
the services decide what the member may see (an unlinked site answers 404, and so does its page).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any

from babel import Locale
from fastapi import APIRouter, Form, HTTPException, Response
from fastapi.responses import RedirectResponse

from portal.adapters.gateway import ServiceProblem
from portal.domain import heatmap
from portal.domain.heatmap import chapter_order
from portal.domain.dashboard import alerts_first, latest_report, report_has_alert, standing
from portal.domain.evidence_files import preview_kind
from portal.entrypoints.http.deps import MemberForm, MemberPage, PageContext, checked_id, optional

router = APIRouter()

MAX_PAGES = 5  # of a paged list (CAPs of a site, audit companies): enough for any real site
INBOX_SIZE = 100
FORM_PROBLEMS = (400, 409, 422)
AUDIT_TYPES = ("initial", "follow_up", "re_audit")
SCOPES = ("social", "environmental", "both")
ANNOUNCEMENTS = ("semi_announced", "unannounced")
PREFERENCES = ("immediate", "daily_digest", "off")
DECISIONS = ("accept", "reject")
NOT_COUNTRIES = {"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"}  # Babel territories that are not countries




async def _all_pages(page: PageContext, path: str, **params: Any) -> list[dict]:
    """Every item of a paged list, following `X-Next-Cursor` (bounded)."""
    found: list[dict] = []
    cursor = None
    for _ in range(MAX_PAGES):
        query = {name: value for name, value in {**params, "cursor": cursor}.items() if value is not None}
        response = await page.portal.gateway.request("GET", path, page.token, params=query)
        found.extend(response.json())
        cursor = response.headers.get("X-Next-Cursor")
        if not cursor:
            break
    return found


def _country_names(page: PageContext) -> Callable[[str | None], str]:
    territories = Locale.parse(page.language).territories

    def name(code: str | None) -> str:
        return territories.get(code or "", code or "")

    return name


def _countries(page: PageContext) -> list[tuple[str, str]]:
    territories = Locale.parse(page.language).territories
    codes = (code for code in territories if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES)
    return sorted(((code, territories[code]) for code in codes), key=lambda pair: pair[1].casefold())


def _done(page: PageContext, done: str | None) -> str | None:
    """The confirmation after a post/redirect/get, chosen by a known key (never text from the URL)."""
    messages = {
        "requested": page._("Your link request is sent to the factory. The site appears on your dashboard once "
                            "the factory accepts."),
        "withdrawn": page._("Your link request is withdrawn."),
        "unlinked": page._("The link has ended. The site no longer appears on your pages."),
        "mandated": page._("The audit is mandated. The audit company will accept or decline it."),
        "accepted": page._("The evidence is accepted. Every member linked to the site sees it."),
        "rejected": page._("The evidence is rejected. The factory sees your comment."),
        "granted": page._("The request for more time is granted: the item's deadline has moved."),
        "refused": page._("The request for more time is refused. The factory sees your reason."),
        "webhook": page._("The webhook is registered."),
        "enabled": page._("The webhook is enabled again."),
        "recipient": page._("The e-mail preference is saved."),
    }
    return messages.get(done or "")


def _render(page: PageContext, template: str, status_code: int = 200, **values: Any) -> Response:
    return page.render(template, status_code=status_code, country_name=_country_names(page),
                       me=page.user.organisation_id if page.user else "", **values)


async def _link_states(page: PageContext) -> dict[str, str]:
    """The member's sites by the state of its link: "active", or "requested" (waiting for the factory)."""
    return {link["factory_id"]: "active" if link.get("active", True) else str(link.get("status") or "")
            for link in await page.get("/access/links")}


async def _linked_ids(page: PageContext) -> set[str]:
    return {factory_id for factory_id, state in (await _link_states(page)).items() if state == "active"}


async def _caps_of(page: PageContext, factory_id: str) -> list[dict]:
    return await _all_pages(page, "/caps/caps", factory_id=factory_id, limit=100)


async def _audit_companies(page: PageContext) -> list[dict] | None:
    """The audit companies the member may mandate, by name; None when the directory cannot be read."""
    try:
        companies = await _all_pages(page, "/access/organisations", kind="audit_company", limit=200)
    except ServiceProblem as problem:
        if problem.status in (403, 404, 405, 422):
            return None
        raise
    return sorted(companies, key=lambda company: (str(company.get("name") or "").casefold(),
                                                  company["organisation_id"]))


async def _evidence_of(page: PageContext, caps: list[dict]) -> dict[str, list[dict]]:
    """Evidence files per CAP item, for the items that have any."""
    wanted = [(cap["cap_id"], item["item_id"]) for cap in caps for item in cap.get("items") or []
              if item.get("evidence_ids")]
    files = await asyncio.gather(*(optional(page.get(f"/evidence/caps/{cap_id}/items/{item_id}/files"))
                                   for cap_id, item_id in wanted))
    return {item_id: sorted(found or [], key=lambda f: f.get("version_number") or 0, reverse=True)
            for (_, item_id), found in zip(wanted, files, strict=True)}


# ---------------------------------------------------------------------------------------------- dashboard


@router.get("/member")
async def dashboard(page: MemberPage, done: str | None = None) -> Response:
    links, factories = await asyncio.gather(page.get("/access/links"), page.get("/registry/factories"))
    known = {factory["factory_id"]: factory for factory in factories}
    ids = [link["factory_id"] for link in links if link.get("active", True)]

    async def records(factory_id: str) -> tuple[list[dict], list[dict]]:
        # A site linked a moment ago may not have reached every service yet: it shows without data.
        audits, caps = await asyncio.gather(optional(page.get("/audits/audits", factory_id=factory_id)),
                                            optional(_caps_of(page, factory_id)))
        return audits or [], caps or []

    loaded = await asyncio.gather(*(records(factory_id) for factory_id in ids))
    sites = alerts_first(standing(factory_id, known.get(factory_id), audits, caps)
                         for factory_id, (audits, caps) in zip(ids, loaded, strict=True))
    page.flash = _done(page, done)
    return _render(page, "member/dashboard.html", sites=sites)


# ---------------------------------------------------------------------------------------------- one site


def _audit_sort_key(audit: dict) -> str:
    report = audit.get("report") or {}
    return str(report.get("published_at") or audit.get("mandated_at") or "")


def _mandate_defaults() -> dict[str, str]:
    starts = date.today() + timedelta(days=14)
    return {"audit_company_id": "", "audit_type": "initial", "scope": "social", "announcement": "semi_announced",
            "window_starts_on": starts.isoformat(), "window_ends_on": (starts + timedelta(days=20)).isoformat(),
            "follows_audit_id": ""}


def _followable(audits: list[dict]) -> list[dict]:
    """The audits a follow-up can re-check: those whose report is published, the newest first."""
    return sorted((audit for audit in audits if audit.get("report")), key=_audit_sort_key, reverse=True)


@router.get("/member/sites/{factory_id}")
async def site(page: MemberPage, factory_id: str, done: str | None = None) -> Response:
    factory_id = checked_id(factory_id)
    base = f"/registry/factories/{factory_id}"
    factory = await page.get(base)  # an unlinked site answers 404: so does this page
    profile, upstream, downstream, audits, caps, linked, companies = await asyncio.gather(
        optional(page.get(base + "/profile")), optional(page.get(base + "/supply-chain/upstream")),
        optional(page.get(base + "/supply-chain/downstream")), page.get("/audits/audits", factory_id=factory_id),
        _caps_of(page, factory_id), _linked_ids(page), _audit_companies(page),
    )
    audits = sorted(audits, key=_audit_sort_key, reverse=True)
    last = latest_report(audits)
    evidence = await _evidence_of(page, caps)
    page.flash = _done(page, done)
    return _render(
        page, "member/site.html", factory=factory, profile=profile,
        upstream=(upstream or {}).get("sites") or [], downstream=(downstream or {}).get("sites") or [],
        audits=audits, last=last, has_alert=bool(last) and report_has_alert(last["report"]), caps=sorted(caps, key=lambda c: c.get("opened_at") or "",
                                                                reverse=True),
        evidence=evidence, linked=linked, companies=companies, audits_by_id={a["audit_id"]: a for a in audits},
        followable=_followable(audits),
        company_names={c["organisation_id"]: c.get("name") for c in companies or []},
        mandate={**_mandate_defaults(), "audit_company_id": last["audit_company_id"] if last else ""}, mandate_errors={}, mandate_error=None, preview_kind=preview_kind,
    )


@router.get("/member/audits/{audit_id}")
async def audit_report(page: MemberPage, audit_id: str) -> Response:
    audit = await page.get(f"/audits/audits/{checked_id(audit_id)}")
    factory, questionnaire = await asyncio.gather(
        optional(page.get(f"/registry/factories/{audit['factory_id']}")), optional(page.get("/audits/questionnaire")))
    questions = {q["id"]: q for q in (questionnaire or {}).get("questions") or []}
    titles = {c["id"]: c["title"] for c in (questionnaire or {}).get("chapters") or []}
    answers: dict[str, list[tuple[dict | None, dict]]] = {}
    for answer in (((audit.get("report") or {}).get("detail") or {}).get("answers") or []):
        question = questions.get(answer["question_id"])
        chapter = question["chapter"] if question else answer["question_id"].split(".", 1)[0]
        answers.setdefault(chapter, []).append((question, answer))
    groups = [(chapter, titles.get(chapter, ""), answers[chapter]) for chapter in sorted(answers, key=chapter_order)]
    return _render(page, "member/audit.html", audit=audit, factory=factory or {"factory_id": audit["factory_id"]},
                   answer_groups=groups)


# ---------------------------------------------------------------------------------------------- mandate


async def _mandate_page(page: PageContext, factory_id: str, values: dict, errors: dict[str, str],
                        error: str | None, status_code: int = 200) -> Response:
    factory, companies, audits = await asyncio.gather(
        page.get(f"/registry/factories/{factory_id}"), _audit_companies(page),
        optional(page.get("/audits/audits", factory_id=factory_id)))
    return _render(page, "member/mandate.html", status_code=status_code, factory=factory, companies=companies,
                   followable=_followable(audits or []), mandate=values, mandate_errors=errors, mandate_error=error)


@router.get("/member/sites/{factory_id}/mandate")
async def mandate_form(page: MemberPage, factory_id: str) -> Response:
    return await _mandate_page(page, checked_id(factory_id), _mandate_defaults(), {}, None)


@router.post("/member/sites/{factory_id}/audits")
async def mandate_audit(
    page: MemberForm, factory_id: str,
    audit_company_id: Annotated[str, Form(max_length=64)] = "",
    audit_type: Annotated[str, Form(max_length=20)] = "initial",
    scope: Annotated[str, Form(max_length=20)] = "social",
    announcement: Annotated[str, Form(max_length=20)] = "semi_announced",
    window_starts_on: Annotated[str, Form(max_length=20)] = "",
    window_ends_on: Annotated[str, Form(max_length=20)] = "",
    follows_audit_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    factory_id = checked_id(factory_id)
    values = {"audit_company_id": audit_company_id.strip(), "audit_type": audit_type, "scope": scope,
              "announcement": announcement, "window_starts_on": window_starts_on.strip(),
              "window_ends_on": window_ends_on.strip(), "follows_audit_id": follows_audit_id.strip()}
    errors: dict[str, str] = {}
    if not values["audit_company_id"]:
        errors["audit_company_id"] = page._("Choose the audit company that will perform the audit.")
    if announcement == "semi_announced":
        for name in ("window_starts_on", "window_ends_on"):
            if not values[name]:
                errors[name] = page._("A semi-announced audit needs a window: give its first and last day.")
    if values["follows_audit_id"] and audit_type != "follow_up":
        errors["follows_audit_id"] = page._("Only a follow-up audit follows an earlier audit: choose the type “Follow-up audit”, or no earlier audit.")
    if errors:
        return await _mandate_page(page, factory_id, values, errors, None, status_code=422)
    body = {"factory_id": factory_id, **values, "follows_audit_id": values["follows_audit_id"] or None,
            "window_starts_on": values["window_starts_on"] or None, "window_ends_on": values["window_ends_on"] or None}
    try:
        await page.post("/audits/audits", body)
    except ServiceProblem as problem:
        if problem.status not in FORM_PROBLEMS:
            raise
        errors = {name: message for name, message in problem.field_errors.items() if name in values}
        others = [message for name, message in problem.field_errors.items() if name not in values]
        error = "; ".join(others) or (None if errors else problem.detail or problem.title)
        return await _mandate_page(page, factory_id, values, errors, error, status_code=problem.status)
    return RedirectResponse(f"/member/sites/{factory_id}?done=mandated#audits", status_code=303)


# ---------------------------------------------------------------------------------------------- CAP decisions


@router.post("/member/caps/{cap_id}/items/{item_id}/decision")
async def decide_item(
    page: MemberForm, cap_id: str, item_id: str,
    decision: Annotated[str, Form(max_length=10)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    cap_id, item_id = checked_id(cap_id), checked_id(item_id)
    comment = comment.strip()
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = page._("Choose to accept or to reject the evidence.")
    elif decision == "reject" and not comment:
        errors["comment"] = page._("Say what is missing, so that the factory can correct it.")
    cap = None
    status_code = 422
    if not errors:
        try:
            cap = await page.post(f"/caps/caps/{cap_id}/items/{item_id}/decisions",
                                  {"decision": decision, "comment": comment or None})
        except ServiceProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            status_code = problem.status
            errors = problem.field_errors or {"form": problem.detail or problem.title}
    if cap is None:
        cap = await page.get(f"/caps/caps/{cap_id}")
    item = next((i for i in cap.get("items") or [] if i["item_id"] == item_id), None)
    if item is None:
        raise HTTPException(404)
    if not errors and not page.is_htmx:
        return RedirectResponse(f"/member/sites/{cap['factory_id']}?done={decision}ed#item-{item_id}",
                                status_code=303)
    evidence = await _evidence_of(page, [{"cap_id": cap_id, "items": [item]}])
    values = {"cap": cap, "item": item, "evidence": evidence, "decision_errors": errors, "preview_kind": preview_kind,
              "decision_values": {"decision": decision, "comment": comment}, "notice": None if errors else
              _done(page, f"{decision}ed")}
    if page.is_htmx:
        # htmx swaps only 2xx answers: the item comes back in place, with its errors or its new state.
        return _render(page, "member/_cap_item.html", oob_progress=not errors, **values)
    return _render(page, "member/decision.html", status_code=status_code, oob_progress=False, **values)


# ---------------------------------------------------------------------------------------------- links


@router.get("/member/sites/{factory_id}/unlink")
async def unlink_confirm(page: MemberPage, factory_id: str) -> Response:
    factory = await page.get(f"/registry/factories/{checked_id(factory_id)}")
    return _render(page, "member/unlink.html", factory=factory)


@router.post("/member/sites/{factory_id}/unlink")
async def unlink(page: MemberForm, factory_id: str) -> Response:
    await page.delete(f"/access/links/{checked_id(factory_id)}")
    return RedirectResponse("/member?done=unlinked", status_code=303)


@router.post("/member/links")
async def link(page: MemberForm, factory_id: Annotated[str, Form(max_length=64)]) -> Response:
    """Ask the factory for a link: the site opens to the member only once the factory accepts."""
    factory_id = checked_id(factory_id)
    try:
        asked = await page.post("/access/links", {"factory_id": factory_id, "relationship": "supplier"})
    except ServiceProblem as problem:
        if not page.is_htmx or problem.status >= 500:
            raise
        return _render(page, "member/_link_action.html", factory_id=factory_id, state=None,
                       link_error=problem.detail or problem.title)
    state = "active" if (asked or {}).get("active") else "requested"
    if page.is_htmx:
        return _render(page, "member/_link_action.html", factory_id=factory_id, state=state, link_error=None,
                       just_changed=True)
    return RedirectResponse("/member?done=requested", status_code=303)


@router.post("/member/links/{factory_id}/withdraw")
async def withdraw_link_request(page: MemberForm, factory_id: str) -> Response:
    """Take back a link request the factory has not answered yet."""
    factory_id = checked_id(factory_id)
    states = await _link_states(page)
    if states.get(factory_id) != "requested":
        raise HTTPException(404)
    await page.delete(f"/access/links/{factory_id}")
    if page.is_htmx:
        return _render(page, "member/_link_action.html", factory_id=factory_id, state=None, link_error=None,
                       just_changed=True)
    return RedirectResponse("/member/search?done=withdrawn", status_code=303)


# ---------------------------------------------------------------------------------------------- search


@router.get("/member/search")
async def search(page: MemberPage, name: str = "", city: str = "", country: str = "",
                 identifier: str = "", done: str | None = None) -> Response:
    criteria = {"name": name.strip()[:200], "city": city.strip()[:100], "country": country.strip().upper()[:2],
                "identifier": identifier.strip()[:50]}
    live = page.is_htmx and page.request.headers.get("HX-Target") == "search-results"
    asked = {key: value for key, value in criteria.items() if value}
    if live and not any(len(criteria[key]) >= 3 for key in ("name", "identifier")):
        # While typing: the register searches by name or identifier (3 characters at least); city and country narrow.
        asked = {}
    results, errors, error = None, {}, None
    if asked:
        try:
            results = await page.get("/registry/search", **asked)
        except ServiceProblem as problem:
            if problem.status not in FORM_PROBLEMS:
                raise
            errors = {key: message for key, message in problem.field_errors.items() if key in criteria}
            error = None if errors else (problem.detail or problem.title)
    states = await _link_states(page) if results else {}
    page.flash = _done(page, done)
    values = {"criteria": criteria, "results": results, "errors": errors, "error": error, "link_states": states,
              "typing": bool(any(criteria.values())) and not asked}
    if live:
        return _render(page, "member/_search_results.html", **values)
    return _render(page, "member/search.html", status_code=422 if (errors or error) else 200,
                   countries=_countries(page), **values)


# ---------------------------------------------------------------------------------------------- inbox


@router.get("/member/inbox")
async def inbox(page: MemberPage) -> Response:
    entries, factories = await asyncio.gather(page.get("/notifier/inbox", limit=INBOX_SIZE),
                                              page.get("/registry/factories"))
    entries = sorted(entries, key=lambda entry: str(entry.get("occurred_at") or ""), reverse=True)
    return _render(page, "member/inbox.html", entries=entries,
                   sites={factory["factory_id"]: factory for factory in factories})


# ---------------------------------------------------------------------------------------------- settings


async def _settings_page(page: PageContext, status_code: int = 200, **values: Any) -> Response:
    webhooks, recipients = await asyncio.gather(page.get("/notifier/webhooks"), page.get("/notifier/recipients"))
    form = {"webhook": {"url": "", "secret": secrets.token_urlsafe(32)}, "webhook_errors": {}, "webhook_error": None,
            "recipient": {"email": "", "preference": "immediate"}, "recipient_errors": {}, "recipient_error": None}
    form.update(values)
    return _render(page, "member/settings.html", status_code=status_code, webhooks=webhooks,
                   recipients=sorted(recipients, key=lambda r: r["email"]), preferences=PREFERENCES, **form)


@router.get("/member/settings")
async def settings(page: MemberPage, done: str | None = None) -> Response:
    page.flash = _done(page, done)
    return await _settings_page(page)


def _form_problem(page: PageContext, problem: ServiceProblem, fields: set[str]) -> tuple[dict[str, str], str | None]:
    """Field errors in the member's words where the service's are technical (a regex, a URL parser)."""
    plain = {"email": page._("Enter an e-mail address such as name@example.org."),
             "url": page._("Enter the full address of your receiving system, starting with https://."),
             "secret": page._("The secret needs at least 32 characters.")}
    errors = {name: plain.get(name, message) for name, message in problem.field_errors.items() if name in fields}
    return errors, (None if errors else problem.detail or problem.title)


@router.post("/member/settings/webhooks")
async def add_webhook(page: MemberForm, url: Annotated[str, Form(max_length=2083)] = "",
                      secret: Annotated[str, Form(max_length=200)] = "") -> Response:
    values = {"url": url.strip(), "secret": secret.strip()}
    try:
        await page.post("/notifier/webhooks", values)
    except ServiceProblem as problem:
        if problem.status not in FORM_PROBLEMS:
            raise
        errors, error = _form_problem(page, problem, set(values))
        return await _settings_page(page, status_code=problem.status, webhook=values, webhook_errors=errors,
                                    webhook_error=error)
    return RedirectResponse("/member/settings?done=webhook#webhooks", status_code=303)


@router.post("/member/settings/webhooks/{webhook_id}/enable")
async def enable_webhook(page: MemberForm, webhook_id: str) -> Response:
    await page.post(f"/notifier/webhooks/{checked_id(webhook_id)}/enable")
    return RedirectResponse("/member/settings?done=enabled#webhooks", status_code=303)


@router.post("/member/settings/recipients")
async def save_recipient(page: MemberForm, email: Annotated[str, Form(max_length=254)] = "",
                         preference: Annotated[str, Form(max_length=20)] = "immediate") -> Response:
    values = {"email": email.strip(), "preference": preference}
    try:
        await page.put("/notifier/recipients", values)
    except ServiceProblem as problem:
        if problem.status not in FORM_PROBLEMS:
            raise
        errors, error = _form_problem(page, problem, set(values))
        return await _settings_page(page, status_code=problem.status, recipient=values, recipient_errors=errors,
                                    recipient_error=error)
    return RedirectResponse("/member/settings?done=recipient#recipients", status_code=303)


# ---------------------------------------------------------------------------------------------- risk


@router.get("/member/risk")
async def risk(page: MemberPage) -> Response:
    countries, own = await asyncio.gather(page.get("/audits/risk/countries"), page.get("/audits/risk/supply-chain"))
    names = _country_names(page)
    return _render(page, "member/risk.html", countries=countries, own=own,
                   all_map=heatmap.build(countries.get("cells") or [], names),
                   own_map=heatmap.build(own.get("cells") or [], names), bands=heatmap.BANDS)
