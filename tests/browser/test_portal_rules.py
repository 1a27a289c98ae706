"""What the portal promises besides the story: sessions, CSRF, languages, weight and confidentiality."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from portal.adapters.catalogs import load_translations
from tests.browser.axe import assert_accessible
from tests.browser.conftest import PortalWorld
from tests.integration.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.browser]
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")


def test_the_sign_in_page_is_at_the_gateway_root_and_accessible(new_page) -> None:
    page = new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page)


def test_a_wrong_password_is_answered_on_the_page(new_page, portal_world: PortalWorld) -> None:
    page = new_page()
    page.goto("/signin")
    page.fill("#email", portal_world.emails["factory"])
    page.fill("#password", "not the password")
    page.locator("form.stack button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("The e-mail address or the password is not right.")
    assert_accessible(page)


def test_no_token_is_visible_to_page_scripts(open_as, portal_world: PortalWorld) -> None:
    page = open_as(portal_world.emails["factory"])
    assert "sa_session" not in page.evaluate("document.cookie")
    assert not JWT.search(page.content())
    cookie = next(c for c in page.context.cookies() if c["name"] == "sa_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"


def test_a_form_post_without_the_csrf_token_is_refused(open_as, portal_world: PortalWorld) -> None:
    page = open_as(portal_world.emails["factory"])
    response = page.request.post("/factory/code-of-conduct", form={"code_version": "2026.1", "agree": "yes"})
    assert response.status == 403
    assert "This form has expired" in response.text()


def test_a_session_that_ended_comes_back_to_the_sign_in_page(open_as, portal_world: PortalWorld,
                                                            stack: Stack) -> None:
    page = open_as(portal_world.emails["factory"])
    page.context.add_cookies([{"name": "sa_session", "value": "ended", "url": stack.gateway_url}])
    page.goto("/factory/caps")
    expect(page).to_have_url(re.compile(r"/signin\?next=/factory/caps&expired=1$"))
    expect(page.get_by_role("status")).to_contain_text("Your session has ended. Please sign in again.")
    page.fill("#email", portal_world.emails["factory"])
    page.fill("#password", "a browser's long passphrase")
    page.locator("form.stack button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/factory/caps$"))


def test_sign_out_ends_the_session(open_as, portal_world: PortalWorld) -> None:
    page = open_as(portal_world.emails["member_a"])
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin$"))
    page.goto("/member")
    expect(page).to_have_url(re.compile(r"/signin\?next=/member"))


@pytest.mark.parametrize("code, html_lang", [("fr", "fr"), ("zh_Hans", "zh-Hans"), ("bn", "bn")])
def test_the_factory_pages_render_each_language_from_its_catalog(open_as, portal_world: PortalWorld,
                                                                 code: str, html_lang: str) -> None:
    page = open_as(portal_world.emails["factory"])
    page.select_option("#language-choice", code)
    page.locator("form.language button").click()
    translations = load_translations(code)
    for english in ("Corrective actions", "Code of Conduct", "Audit ratings"):
        translated = translations.gettext(english)
        assert translated != english, f"{code} catalog lacks {english!r}"
        expect(page.locator("main, nav").first.locator("xpath=/ancestor-or-self::body")).to_contain_text(translated)
    assert page.get_attribute("html", "lang") == html_lang
    page.goto("/factory/caps")  # the choice is remembered
    assert page.get_attribute("html", "lang") == html_lang
    assert_accessible(page)


def test_the_browser_language_is_the_default(new_page) -> None:
    page = new_page(language="fr-FR")
    page.goto("/signin")
    assert page.get_attribute("html", "lang") == "fr"
    expect(page.get_by_role("heading", level=1)).to_have_text(load_translations("fr").gettext("Sign in"))


def test_a_factory_page_weighs_under_150_kb_on_a_cold_cache(browser: Browser, open_as, stack: Stack,
                                                            portal_world: PortalWorld) -> None:
    signed_in = open_as(portal_world.emails["factory"])
    cold = browser.new_context(base_url=stack.gateway_url, storage_state=signed_in.context.storage_state())
    try:
        page = cold.new_page()
        page.goto("/factory")
        page.wait_for_load_state("networkidle")
        transferred = page.evaluate(
            "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
            ".reduce((sum, e) => sum + e.transferSize, 0)")
        assert 0 < transferred < 150 * 1024, f"{transferred} bytes"
    finally:
        cold.close()
