"""The Handbook for factories: pages and a PDF, generated from the rule sets the services apply."""

from __future__ import annotations

import asyncio
import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from portal.adapters.catalogs import LANGUAGES
from portal.adapters.pdf import PdfRenderer, PdfUnavailable
from portal.domain.handbook import Handbook, build_handbook
from portal.entrypoints.http.deps import PageContext, SignedIn, optional

router = APIRouter()
LANGUAGE_CODES = {language.code for language in LANGUAGES}


def pdf_renderer(request: Request) -> PdfRenderer:
    return request.app.state.pdf_renderer


async def handbook_in(page: PageContext, language: str) -> Handbook:
    """The current rule sets, through the gateway with the reader's token, arranged in ``language``."""
    audit_rules, cap_rules, code = await asyncio.gather(
        page.get("/audits/rules"), page.get("/caps/rules"), optional(page.get("/access/code-of-conduct/current")))
    pages = page.portal.pages
    locale = next(str(lang.locale) for lang in LANGUAGES if lang.code == language)
    return build_handbook(audit_rules, cap_rules, code, lambda text: pages.gettext(language, text), locale)


@router.get("/handbook")
async def handbook(page: SignedIn) -> Response:
    return page.render("handbook/handbook.html", handbook=await handbook_in(page, page.language))


@router.get("/handbook.pdf")
async def handbook_pdf(page: SignedIn, request: Request, lang: str | None = None) -> Response:
    """The same Handbook as a PDF, in the language asked for (the page's by default)."""
    language = lang or page.language
    if language not in LANGUAGE_CODES:
        raise HTTPException(404)
    book = await handbook_in(page, language)
    document = page.portal.pages.text(language, "handbook/print.html", handbook=book)
    renderer: PdfRenderer = pdf_renderer(request)
    try:
        pdf = await renderer.render(document)
    except PdfUnavailable as error:
        raise HTTPException(503) from error
    filename = f"handbook-{language}-{re.sub(r'[^A-Za-z0-9._-]', '', book.edition)}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
