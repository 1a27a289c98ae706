"""Screenshots of the portal's main pages for the README (docs/portal/), from the demo data.

Run by `make portal-screenshots` (which seeds the demo first). Chromium from Debian, via Playwright.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from shared_audits_client.demo import DEMO_DOMAIN, DEMO_PASSWORD

OUT = Path(__file__).resolve().parent.parent / "docs" / "portal"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def sign_in(page: Page, who: str) -> None:
    page.goto("/signin")
    page.fill("#email", f"{who}@{DEMO_DOMAIN}")
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_load_state()


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print(f"  docs/portal/{name}.png  ({page.url})")


def follow_first(page: Page, href_prefix: str) -> None:
    page.locator(f"main a[href^='{href_prefix}']").first.click()
    page.wait_for_load_state()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)

        def person(who: str, locale: str = "en-GB") -> Page:
            context = browser.new_context(base_url=args.gateway, locale=locale, viewport={"width": 1200, "height": 760})
            page = context.new_page()
            sign_in(page, who)
            return page

        anonymous = browser.new_context(base_url=args.gateway, viewport={"width": 1200, "height": 560}).new_page()
        anonymous.goto("/signin")
        shoot(anonymous, "sign-in")

        factory = person("factory")
        shoot(factory, "factory-overview")
        factory.goto("/factory/caps")
        follow_first(factory, "/factory/caps/")
        shoot(factory, "factory-cap")
        for code, name in (("fr", "factory-overview-fr"), ("zh_Hans", "factory-overview-zh")):
            factory.select_option("#language-choice", code)
            factory.locator("form.language button").click()
            factory.goto("/factory")
            shoot(factory, name)

        member = person("brand-a")
        shoot(member, "member-dashboard")
        follow_first(member, "/member/sites/")
        shoot(member, "member-site")
        member.goto("/member/risk")
        shoot(member, "member-risk")

        auditor = person("auditor")
        shoot(auditor, "audit-mandates")
        operator = person("operator")
        operator.goto("/operator/health")
        shoot(operator, "operator-health")
        browser.close()


if __name__ == "__main__":
    main()
