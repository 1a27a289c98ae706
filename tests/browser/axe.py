"""axe-core in the page (the copy bundled with axe-playwright-python): serious and critical violations."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

_axe = Axe()


def serious_violations(page: Page) -> list[str]:
    results = _axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page: Page) -> None:
    found = serious_violations(page)
    assert not found, f"{page.url}: " + "; ".join(found)
