"""A real browser (Debian's Chromium, driven by Playwright) against the portal of the running stack."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from shared_audits_client.api import PlatformClient, eventually
from shared_audits_client.demo import invitation_reader, invite_person
from shared_audits_client.story import Cast, assemble_cast, current_code_of_conduct, link_with_consent
from tests.integration.stack import Stack

PASSWORD = "a browser's long passphrase"  # pragma: allowlist secret
# Chromium from Debian (apt-get install chromium); nothing is downloaded at run time.
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# No background traffic: the machine has no network beyond loopback (and tests never leave it).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


@dataclass
class PortalWorld:
    """A fresh site, its factory, two linked members and one member not linked, each with a person."""

    cast: Cast
    outsider: PlatformClient
    emails: dict[str, str]
    gateway_url: str

    @property
    def factory_id(self) -> str:
        return self.cast.factory_id


@pytest.fixture(scope="module")
def portal_world(stack: Stack) -> Iterator[PortalWorld]:
    cast = assemble_cast(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret,
                         kafka_bootstrap=stack.kafka_bootstrap)
    label = uuid.uuid4().hex[:6]
    outsider_org = cast.operator.register_organisation(f"Brand C {label}", "member")
    outsider = PlatformClient.login(stack.gateway_url, outsider_org.client_id, outsider_org.client_secret)
    organisations = {"factory": cast.organisations["factory"].organisation_id,
                     "member_a": cast.organisations["member_a"].organisation_id,
                     "member_b": cast.organisations["member_b"].organisation_id,
                     "outsider": outsider_org.organisation_id}
    current_code_of_conduct(cast.operator)  # on a new platform the operator publishes the first version
    reader = invitation_reader(stack.kafka_bootstrap)
    emails = {}
    for role, organisation_id in organisations.items():
        emails[role] = f"{role.replace('_', '-')}-{label}@portal.example.org"
        invite_person(cast.operator, organisation_id, emails[role], ["admin"], reader, PASSWORD)
    for member in (cast.member_a, cast.member_b):  # each asks, the factory accepts
        link_with_consent(member, cast.factory, cast.factory_id)
    for member in (cast.member_a, cast.member_b):  # and the registry has learnt of both links
        eventually(lambda m=member: m.factory(cast.factory_id))
    yield PortalWorld(cast, outsider, emails, stack.gateway_url)
    outsider.close()
    cast.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: Playwright's sync API runs an event loop in this thread while it is started;
    # stopping it after each browser module leaves the tests that follow with no loop running.
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (the stack's test setup does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_as(browser: Browser, stack: Stack) -> Iterator[Callable[..., Page]]:
    """A new browser (own cookies) signed in as the person with that e-mail address."""
    contexts = []

    def sign_in(email: str, language: str = "en-GB") -> Page:
        context = browser.new_context(locale=language, base_url=stack.gateway_url)
        contexts.append(context)
        page = context.new_page()
        page.goto("/signin")
        page.get_by_label("E-mail address").fill(email) if language.startswith("en") else page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.locator("form.stack button[type=submit]").click()
        page.wait_for_load_state()
        assert "/signin" not in page.url, page.content()[:2000]
        return page

    yield sign_in
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(browser: Browser, stack: Stack) -> Iterator[Callable[..., Page]]:
    """A new browser that is not signed in."""
    contexts = []

    def make(language: str = "en-GB") -> Page:
        context = browser.new_context(locale=language, base_url=stack.gateway_url)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
