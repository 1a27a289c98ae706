"""The example Handbook in docs/handbook/, made from the rule sets in this repository, without a stack.

    .venv/bin/python tools/handbook_example.py            # docs/handbook/handbook-en.pdf
    .venv/bin/python tools/handbook_example.py --lang fr  # another language beside it

The rule sets are read through the services' own routes (GET /audits/rules, GET /caps/rules, run in
process), so the example holds what the platform applies; the portal lays it out as it does for
/handbook.pdf. The Code of Conduct lives in access-control's database, so the example names none.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from types import SimpleNamespace

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from audit_service.adapters.rules import shipped_rule_sets
from audit_service.entrypoints.http.rules_routes import router as audit_rules_router
from audit_service.service_layer.rule_books import RuleBooks
from cap_service.adapters.rules import load_deadline_rules
from cap_service.entrypoints.http.rules_routes import router as cap_rules_router
from cap_service.service_layer.handlers import CapHandlers
from portal.adapters.catalogs import LANGUAGES
from portal.adapters.pdf import PdfRenderer
from portal.bootstrap import STATIC
from portal.domain.handbook import build_handbook
from portal.entrypoints.http.pages import Pages
from shared_audits.auth import Principal
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.http import CurrentPrincipal
from shared_audits.testing import InMemoryAggregateStore, InMemoryLinkProjection

OUT = Path(__file__).resolve().parent.parent / "docs" / "handbook"


def answer(router: APIRouter, prefix: str, path: str, **state: object) -> dict:
    """What the service's route answers a factory's user, with the service's rule sets loaded."""
    app = FastAPI()
    for name, value in state.items():
        setattr(app.state, name, value)
    app.include_router(router, prefix=prefix)
    reader = Principal(subject="example", organisation_id="example", organisation_kind=OrganisationKind.FACTORY,
                       factory_id="example")
    app.dependency_overrides[CurrentPrincipal.__metadata__[0].dependency] = lambda: reader
    response = TestClient(app).get(prefix + path)
    response.raise_for_status()
    return response.json()


async def shipped_rule_books() -> RuleBooks:
    """The rule sets shipped in this repository as the only published versions, as on a new platform."""
    books = RuleBooks(InMemoryAggregateStore())
    await books.seed(shipped_rule_sets())
    return books


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", default="en", choices=[language.code for language in LANGUAGES])
    language = parser.parse_args().lang
    audit_rules = answer(audit_rules_router, "/audits", "/rules",
                         audit_handlers=SimpleNamespace(rules=asyncio.run(shipped_rule_books())))
    cap_rules = answer(cap_rules_router, "/caps", "/rules",
                       cap_handlers=CapHandlers(caps=InMemoryAggregateStore(), links=InMemoryLinkProjection(set()),
                                                deadline_rules=load_deadline_rules()))
    pages = Pages()
    locale = next(str(lang.locale) for lang in LANGUAGES if lang.code == language)
    book = build_handbook(audit_rules, cap_rules, None, lambda text: pages.gettext(language, text), locale)
    pdf = asyncio.run(PdfRenderer(STATIC / "pdf.css").render(pages.text(language, "handbook/print.html",
                                                                          handbook=book)))
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / f"handbook-{language}.pdf"
    target.write_bytes(pdf)
    print(f"{target.relative_to(OUT.parent.parent)}: {len(pdf):,} bytes, edition {book.edition}")


if __name__ == "__main__":
    main()
