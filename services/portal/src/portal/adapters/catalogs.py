"""The gettext catalogs of the portal, read from the .po files in portal/locale at start.

The .po files are the source (edited by translators, checked by the tests); they are compiled in
memory, so no build step and no binary file sits in the repository."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"


@dataclass(frozen=True)
class Language:
    code: str  # the catalog's folder and the cookie's value: en, fr, zh_Hans, bn
    name: str  # in its own language, for the switcher

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.code)

    @property
    def html_lang(self) -> str:
        return self.code.replace("_", "-")


LANGUAGES = [
    Language("en", "English"),
    Language("fr", "Français"),
    Language("zh_Hans", "简体中文"),
    Language("bn", "বাংলা"),
]
DEFAULT_LANGUAGE = "en"


def load_translations(code: str) -> NullTranslations:
    """The catalog of one language; English is the source text and needs none."""
    po_path = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if code == DEFAULT_LANGUAGE or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=code)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for a browser's Accept-Language header."""
    wanted = []
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if tag:
            wanted.append(tag)
    aliases = {"zh_CN": "zh_Hans", "zh_SG": "zh_Hans", "zh": "zh_Hans"}
    codes = [lang.code for lang in LANGUAGES]
    for tag in wanted:
        tag = aliases.get(tag, tag)
        if tag in codes:
            return tag
        base = tag.split("_")[0]
        if base in codes:
            return base
    return DEFAULT_LANGUAGE
