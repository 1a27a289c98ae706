"""How the portal hands an evidence file to the browser: shown inline or saved. Pure: no I/O."""

from __future__ import annotations

import re
from urllib.parse import quote

# Only types a browser shows without running anything in the portal's origin; anything else
# (HTML, SVG, office documents...) is always saved as a file, even when a preview was asked for.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})
FALLBACK_NAME = "evidence"


def media_type(content_type: str | None) -> str:
    """The bare media type, lower case, without parameters."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def shows_inline(content_type: str | None) -> bool:
    return media_type(content_type) in INLINE_TYPES


def preview_kind(content_type: str | None) -> str | None:
    """"pdf" or "image" when the portal can preview the file in a page, else None."""
    kind = media_type(content_type)
    if kind not in INLINE_TYPES:
        return None
    return "pdf" if kind == "application/pdf" else "image"


def content_disposition(filename: str | None, inline: bool) -> str:
    """A Content-Disposition header with a safe ASCII name and the exact name in RFC 5987 form."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or FALLBACK_NAME
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", name)[:150] or FALLBACK_NAME
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
