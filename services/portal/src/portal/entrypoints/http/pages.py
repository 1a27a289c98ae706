"""Templates in every language: one Jinja2 environment per catalog, with locale-aware filters."""

from __future__ import annotations

from datetime import date, datetime
import hashlib
from functools import partial
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from portal.adapters.catalogs import LANGUAGES, Language, load_translations

HTMX = "vendor/htmx-2.0.11.min.js"
STATIC = Path(__file__).resolve().parent.parent.parent / "static"


def static_version() -> str:
    """A digest of the portal's own static files: a change gives new URLs, which browsers cache for a year."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.glob("*.*")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def _as_date(value: Any) -> date | datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, (date, datetime)):
        return value
    text = str(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else date.fromisoformat(text)
    except ValueError:
        return None


def _date(value: Any, fmt: str = "medium", *, locale: str) -> str:
    parsed = _as_date(value)
    if parsed is None:
        return ""
    day = parsed.date() if isinstance(parsed, datetime) else parsed
    return format_date(day, format=fmt, locale=locale)


def _datetime(value: Any, fmt: str = "medium", *, locale: str) -> str:
    parsed = _as_date(value)
    if parsed is None:
        return ""
    if not isinstance(parsed, datetime):
        return format_date(parsed, format=fmt, locale=locale)
    return format_datetime(parsed, format=fmt, locale=locale)


def _number(value: Any, digits: int = 0, *, locale: str) -> str:
    if value in (None, ""):
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale)


def _percent(value: Any, digits: int = 1, *, locale: str) -> str:
    """A percentage given as 0-100 (as the services give it)."""
    if value in (None, ""):
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + " %"
    return format_percent(float(value) / 100, format=pattern, locale=locale)


class Pages:
    """Renders a template in the language of the request."""

    def __init__(self) -> None:
        self._translations = {language.code: load_translations(language.code) for language in LANGUAGES}
        self._static_version = static_version()
        self._envs = {language.code: self._environment(language) for language in LANGUAGES}

    def _environment(self, language: Language) -> Environment:
        env = Environment(
            loader=PackageLoader("portal", "templates"),
            autoescape=select_autoescape(["html", "svg"]),
            extensions=["jinja2.ext.i18n"],
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_translations(self._translations[language.code], newstyle=True)
        locale = str(language.locale)
        env.filters.update(
            date=partial(_date, locale=locale), datetime=partial(_datetime, locale=locale),
            number=partial(_number, locale=locale), percent=partial(_percent, locale=locale),
        )
        env.globals.update(languages=LANGUAGES, htmx=HTMX, static_version=self._static_version)
        return env

    def gettext(self, language: str, message: str, **values: Any) -> str:
        """A text for Python code (flash messages), through the same catalog as the templates."""
        translated = self._translations[language].gettext(message)
        return translated % values if values else translated

    def text(self, language: str, template: str, /, **values: Any) -> str:
        """A template rendered in ``language``, as text (a document for the PDF renderer)."""
        return self._envs[language].get_template(template).render(language=language, **values)

    def html(self, language: str, template: str, /, status_code: int = 200, headers: dict | None = None,
             **values: Any) -> HTMLResponse:
        return HTMLResponse(self.text(language, template, **values), status_code=status_code, headers=headers)
