"""Every service's API docs page through the gateway: Swagger UI comes from the platform, nothing from outside."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Route, sync_playwright

from tests.integration.stack import Stack

PREFIXES = ["/access", "/registry", "/audits", "/caps", "/evidence", "/notifier"]
LINKED = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""")
# An absolute or protocol-relative URL anywhere in the page, in markup or in the inline script.
ABSOLUTE_URL = re.compile(r"""https?:|["'(]\s*//""")
ASSET_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _operations(schema: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }


@pytest.mark.parametrize("prefix", PREFIXES)
def test_docs_page_links_only_assets_the_gateway_serves(stack: Stack, prefix: str) -> None:
    with httpx.Client(base_url=stack.gateway_url, timeout=15.0) as http:
        page = http.get(f"{prefix}/docs")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert not ABSOLUTE_URL.search(page.text), ABSOLUTE_URL.search(page.text)
        assert f"url: '{prefix}/openapi.json'" in page.text

        linked = LINKED.findall(page.text)
        assert len(linked) >= 3, page.text  # the style sheet, the favicon and the script at least
        for url in linked:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc and url.startswith("/"), url

            asset = http.get(url)
            suffix = re.search(r"\.[a-z]+$", parts.path).group()
            assert asset.status_code == 200, url
            assert ASSET_TYPES[suffix] in asset.headers["content-type"], (url, asset.headers["content-type"])
            assert len(asset.content) > 500, url

        assert http.get(f"{prefix}/openapi.json").json()["openapi"].startswith("3.")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_swagger_ui_renders_every_operation_with_the_outside_world_cut_off(
    stack: Stack, browser: Browser, prefix: str
) -> None:
    schema = httpx.get(f"{stack.gateway_url}{prefix}/openapi.json", timeout=15.0).json()
    gateway_host = urlsplit(stack.gateway_url).hostname
    outside: list[str] = []
    script_errors: list[str] = []

    def only_the_gateway(route: Route) -> None:
        if urlsplit(route.request.url).hostname == gateway_host:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context = browser.new_context()
    context.route("**/*", only_the_gateway)
    page = context.new_page()
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    try:
        page.goto(f"{stack.gateway_url}{prefix}/docs")
        page.wait_for_selector(".opblock", timeout=30_000)
        # Late requests too (a validator badge, fonts, ...) would have been attempted by now.
        page.wait_for_load_state("networkidle")
        blocks = page.locator(".opblock")
        shown = {
            (blocks.nth(i).locator(".opblock-summary-method").inner_text().strip(),
             blocks.nth(i).locator(".opblock-summary-path").get_attribute("data-path"))
            for i in range(blocks.count())
        }
        visible = [blocks.nth(i).is_visible() for i in range(min(blocks.count(), 5))]
        title = page.locator(".information-container .title").inner_text()
    finally:
        context.close()

    assert outside == []
    assert script_errors == []
    assert shown == _operations(schema)
    assert len(visible) >= min(len(shown), 2) and all(visible)
    assert schema["info"]["title"] in title
