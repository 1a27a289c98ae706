"""Keep the portal's gettext catalogs in step with its templates and code (Babel).

    python -m portal.catalogs update   extract every text into locale/messages.pot and merge it
                                       into each language's messages.po (translations are kept;
                                       new texts arrive empty, changed ones marked fuzzy)
    python -m portal.catalogs check    exit 1 when the catalogs miss texts (what the tests check)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from portal.adapters.catalogs import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
# Pages a factory manager uses: these must exist in every language of the portal.
FACTORY_TEMPLATES = ("templates/factory/", "templates/base.html", "templates/signin.html",
                     "templates/error.html", "templates/invitation.html", "entrypoints/http/factory.py",
                     "entrypoints/http/auth.py", "entrypoints/http/deps.py", "bootstrap.py",
                     "templates/handbook/", "entrypoints/http/handbook.py", "domain/rule_texts.py")
# Languages complete everywhere; the others at least on the factory's pages.
COMPLETE = ("fr",)


def extract() -> Catalog:
    catalog = Catalog(project="shared-audits-portal", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            PACKAGE, METHODS, options_map=OPTIONS, keywords=KEYWORDS):
        if "catalogs.py" in filename:
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read_catalog(code: str) -> Catalog | None:
    path = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return None
    with path.open("rb") as po_file:
        return read_po(po_file, locale=code)


def missing(template: Catalog, code: str, only_factory: bool) -> list[str]:
    """Source texts without a (non-fuzzy) translation in that language."""
    translated = read_catalog(code)
    gaps = []
    for message in template:
        if not message.id:
            continue
        if only_factory and not any(any(part in path for part in FACTORY_TEMPLATES) for path, _ in message.locations):
            continue
        found = translated.get(message.id) if translated is not None else None
        strings = found.string if found is not None else None
        texts = strings if isinstance(strings, (list, tuple)) else [strings]
        if found is None or found.fuzzy or not all(texts):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def update() -> None:
    template = extract()
    LOCALE_DIR.mkdir(exist_ok=True)
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as pot:
        write_po(pot, template, width=100, omit_header=False, sort_output=True, include_lineno=False)
    for language in LANGUAGES:
        if language.code == DEFAULT_LANGUAGE:
            continue
        catalog = read_catalog(language.code) or Catalog(locale=language.code, project="shared-audits-portal")
        catalog.update(template, no_fuzzy_matching=True)
        path = LOCALE_DIR / language.code / "LC_MESSAGES" / f"{DOMAIN}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po_file:
            write_po(po_file, catalog, width=100, sort_output=True, include_lineno=False, ignore_obsolete=True)
    print(f"{len(template)} texts; catalogs updated in {LOCALE_DIR}")


def check() -> int:
    template = extract()
    status = 0
    for language in LANGUAGES:
        if language.code == DEFAULT_LANGUAGE:
            continue
        gaps = missing(template, language.code, only_factory=language.code not in COMPLETE)
        if gaps:
            status = 1
            print(f"{language.code}: {len(gaps)} texts without translation, e.g. {gaps[:5]}")
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["update", "check"])
    args = parser.parse_args()
    if args.command == "update":
        update()
    else:
        sys.exit(check())


if __name__ == "__main__":
    main()
