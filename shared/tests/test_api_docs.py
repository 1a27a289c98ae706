"""The docs page of a service loads Swagger UI from the service itself, never from a CDN."""

import re

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from shared_audits.api_docs import ASSETS_CACHE_CONTROL, serve_api_docs

LINKED = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""")


def _cap_service_app() -> FastAPI:
    app = FastAPI(title="cap-service", openapi_url="/caps/openapi.json", docs_url=None, redoc_url=None)
    serve_api_docs(app, "/caps")
    router = APIRouter()

    @router.get("/{cap_id}")
    async def cap(cap_id: str) -> dict:
        return {"cap_id": cap_id}

    app.include_router(router, prefix="/caps")
    return app


def test_docs_page_links_only_assets_served_under_the_service_prefix() -> None:
    with TestClient(_cap_service_app()) as client:
        page = client.get("/caps/docs")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    linked = LINKED.findall(page.text)
    assert len(linked) == 3  # the style sheet, the favicon and the script
    assert all(url.startswith("/caps/docs/assets/") for url in linked), linked
    assert "http:" not in page.text and "https:" not in page.text
    assert "url: '/caps/openapi.json'" in page.text
    assert '"validatorUrl": null' in page.text  # no badge image from validator.swagger.io
    assert "oauth2RedirectUrl" not in page.text  # bearer tokens only: no redirect page to point at


def test_every_linked_asset_is_served_with_its_type_and_cached_for_long() -> None:
    expected_types = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    with TestClient(_cap_service_app()) as client:
        linked = LINKED.findall(client.get("/caps/docs").text)
        for url in linked:
            asset = client.get(url)
            suffix = re.search(r"\.[a-z]+(?=\?|$)", url).group()

            assert asset.status_code == 200, url
            assert expected_types[suffix] in asset.headers["content-type"], url
            assert asset.headers["cache-control"] == ASSETS_CACHE_CONTROL
            assert len(asset.content) > 500, url


def test_swagger_ui_is_version_5_which_renders_openapi_3_1() -> None:
    with TestClient(_cap_service_app()) as client:
        script = next(url for url in LINKED.findall(client.get("/caps/docs").text) if ".js" in url)
        bundle = client.get(script).text

    assert "SwaggerUIBundle" in bundle
    assert re.search(r'PACKAGE_VERSION:"5\.\d+\.\d+"', bundle)  # 4.x cannot render OpenAPI 3.1


def test_the_docs_routes_are_not_operations_and_a_path_parameter_does_not_shadow_them() -> None:
    with TestClient(_cap_service_app()) as client:
        schema = client.get("/caps/openapi.json").json()
        page = client.get("/caps/docs")

    assert list(schema["paths"]) == ["/caps/{cap_id}"]
    assert page.headers["content-type"].startswith("text/html")
