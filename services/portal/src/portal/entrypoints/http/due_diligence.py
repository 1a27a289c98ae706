"""A member's due-diligence report: a page, a PDF for filing, and the same numbers as CSV and JSON.

The report is read with the member's own token, so the services' confidentiality applies: only the
sites it is actively linked to, other members named "a linked member". The numbers are computed in
portal.domain.due_diligence; this module only fetches and answers in the format asked for.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from babel import Locale
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from portal.adapters.pdf import PdfRenderer, PdfUnavailable
from portal.domain import heatmap
from portal.domain.due_diligence import Period, PeriodError, Report, SiteData, as_csv, as_json, build_report
from portal.entrypoints.http.deps import MemberPage, PageContext, optional

router = APIRouter()

MAX_PAGES = 50  # of one site's CAPs: far more than any real site has


async def every_page(page: PageContext, path: str, **params: Any) -> list[dict]:
    """Every item of a paged list, following ``X-Next-Cursor`` (bounded)."""
    found: list[dict] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await page.portal.gateway.request("GET", path, page.token, params=query)
        found.extend(response.json())
        cursor = response.headers.get("X-Next-Cursor")
        if not cursor:
            break
    return found


async def _site(page: PageContext, link: dict) -> SiteData:
    """One linked site; parts a service has not learnt of yet (a link made a moment ago) read as empty."""
    factory_id = link["factory_id"]
    base = f"/registry/factories/{factory_id}"
    factory, upstream, audits, caps = await asyncio.gather(
        optional(page.get(base)), optional(page.get(base + "/supply-chain/upstream")),
        optional(page.get("/audits/audits", factory_id=factory_id)),
        optional(every_page(page, "/caps/caps", factory_id=factory_id, limit=100)),
    )
    return SiteData(factory_id=factory_id, factory=factory, linked_since=link.get("since"),
                    upstream=(upstream or {}).get("sites") or [], audits=audits or [], caps=caps or [])


async def report_of(page: PageContext, period: Period) -> tuple[Report, dict]:
    """The member's report over ``period`` and its organisation (for the title)."""
    links, questionnaire, organisation = await asyncio.gather(
        page.get("/access/links"), optional(page.get("/audits/questionnaire")),
        optional(page.get("/access/organisations/me")))
    active = [link for link in links if link.get("active", True)]
    sites = await asyncio.gather(*(_site(page, link) for link in active))
    titles = {chapter["id"]: chapter["title"] for chapter in (questionnaire or {}).get("chapters") or []}
    report = build_report(page.user.organisation_id, period, datetime.now(UTC).date(), sites, titles)
    return report, organisation or {}


def _period(page: PageContext, starts: str, ends: str) -> tuple[Period | None, str | None]:
    """The period of the query, or the reason it cannot be used (in the member's language)."""
    try:
        chosen = [date.fromisoformat(value) if value else None for value in (starts.strip(), ends.strip())]
    except ValueError:
        return None, page._("Enter the days of the period as YYYY-MM-DD.")
    try:
        return Period.of(chosen[0], chosen[1], datetime.now(UTC).date()), None
    except PeriodError:
        return None, page._("The period must end after it starts and cover three years at most.")


def _checked_period(page: PageContext, starts: str, ends: str) -> Period:
    period, error = _period(page, starts, ends)
    if period is None:
        raise HTTPException(422, detail=error)
    return period


def _values(page: PageContext, report: Report, organisation: dict) -> dict[str, Any]:
    territories = Locale.parse(page.language).territories
    country_name = lambda code: territories.get(code or "", code or "")  # noqa: E731
    query = f"from={report.period.starts_on.isoformat()}&to={report.period.ends_on.isoformat()}"
    return {"report": report, "organisation": organisation, "country_name": country_name, "query": query,
            "risk_map": heatmap.build(report.risk_cells, country_name), "bands": heatmap.BANDS}


def _filename(report: Report, suffix: str) -> str:
    name = f"due-diligence-{report.period.starts_on.isoformat()}-{report.period.ends_on.isoformat()}.{suffix}"
    return re.sub(r"[^A-Za-z0-9._-]", "", name)


@router.get("/member/due-diligence")
async def due_diligence(page: MemberPage, starts: Annotated[str, Query(alias="from", max_length=10)] = "",
                        ends: Annotated[str, Query(alias="to", max_length=10)] = "") -> Response:
    period, error = _period(page, starts, ends)
    if period is None:
        return page.render("member/due_diligence.html", status_code=422, report=None, period_error=error,
                           asked={"from": starts, "to": ends})
    report, organisation = await report_of(page, period)
    return page.render("member/due_diligence.html", period_error=None, asked={
        "from": period.starts_on.isoformat(), "to": period.ends_on.isoformat()}, **_values(page, report, organisation))


@router.get("/member/due-diligence.pdf")
async def due_diligence_pdf(page: MemberPage, request: Request,
                            starts: Annotated[str, Query(alias="from", max_length=10)] = "",
                            ends: Annotated[str, Query(alias="to", max_length=10)] = "") -> Response:
    report, organisation = await report_of(page, _checked_period(page, starts, ends))
    document = page.portal.pages.text(page.language, "member/due_diligence_print.html",
                                      **_values(page, report, organisation))
    renderer: PdfRenderer = request.app.state.pdf_renderer
    try:
        pdf = await renderer.render(document)
    except PdfUnavailable as error:
        raise HTTPException(503) from error
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(report, "pdf")}"'})


@router.get("/member/due-diligence.csv")
async def due_diligence_csv(page: MemberPage, starts: Annotated[str, Query(alias="from", max_length=10)] = "",
                            ends: Annotated[str, Query(alias="to", max_length=10)] = "") -> Response:
    report, _ = await report_of(page, _checked_period(page, starts, ends))
    return Response(as_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(report, "csv")}"'})


@router.get("/member/due-diligence.json")
async def due_diligence_json(page: MemberPage, starts: Annotated[str, Query(alias="from", max_length=10)] = "",
                             ends: Annotated[str, Query(alias="to", max_length=10)] = "") -> Response:
    report, _ = await report_of(page, _checked_period(page, starts, ends))
    return JSONResponse(as_json(report),
                        headers={"Content-Disposition": f'attachment; filename="{_filename(report, "json")}"'})
