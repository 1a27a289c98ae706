"""HTML to PDF with WeasyPrint (Pango lays out the text; Debian's Noto fonts cover Latin, Bengali and Chinese).

The document fetches nothing: its only style sheet is the portal's own print sheet, read from disk,
and every URL in the HTML is refused (no request can leave the portal while a PDF is made).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger("portal.pdf")


class PdfUnavailable(Exception):
    """WeasyPrint or its system libraries (Pango) are missing on this machine."""


class PdfRenderer:
    """Renders HTML to PDF in a worker thread; keeps the last few documents (the Handbook changes
    only with the rule sets, and many factories download the same one)."""

    def __init__(self, stylesheet: Path, keep: int = 8) -> None:
        self._stylesheet = stylesheet
        self._keep = keep
        self._done: OrderedDict[str, bytes] = OrderedDict()

    async def render(self, html: str) -> bytes:
        key = hashlib.sha256(html.encode()).hexdigest()
        if key in self._done:
            self._done.move_to_end(key)
            return self._done[key]
        pdf = await asyncio.to_thread(self._render, html)
        self._done[key] = pdf
        while len(self._done) > self._keep:
            self._done.popitem(last=False)
        return pdf

    def _render(self, html: str) -> bytes:
        try:
            # Imported here: Pango loads with it, and only PDF requests need it.
            from weasyprint import CSS, HTML
            from weasyprint.urls import URLFetcher
        except (ImportError, OSError) as error:
            log.warning("no PDF: WeasyPrint cannot load (%s)", error)
            raise PdfUnavailable(str(error)) from error
        refuse_every_url = URLFetcher(allowed_protocols=set())
        document = HTML(string=html, url_fetcher=refuse_every_url)
        stylesheet = CSS(filename=str(self._stylesheet), url_fetcher=refuse_every_url)
        return document.write_pdf(stylesheets=[stylesheet], pdf_tags=True)
