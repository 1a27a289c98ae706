"""A service's interactive API docs, with Swagger UI served by the service itself.

FastAPI's default docs page loads Swagger UI from a public CDN and its favicon from
fastapi.tiangolo.com, so it stays blank on a network without them. Here the page
loads Swagger UI 5 (which renders the OpenAPI 3.1 FastAPI writes) from the static
folder of the ``swagger-ui-py`` wheel, mounted under ``<prefix>/docs/assets``.
"""

from __future__ import annotations

import os
from importlib.metadata import distribution
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

SWAGGER_UI_DISTRIBUTION = "swagger-ui-py"
# The asset URLs carry the package version, so a year of caching never serves an old Swagger UI.
ASSETS_CACHE_CONTROL = "public, max-age=31536000, immutable"


class _CachedStaticFiles(StaticFiles):
    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = ASSETS_CACHE_CONTROL
        return response


def _swagger_ui_static() -> tuple[Path, str]:
    """The folder of Swagger UI's built files in the installed wheel, and the wheel's version."""
    wheel = distribution(SWAGGER_UI_DISTRIBUTION)
    return Path(str(wheel.locate_file("swagger_ui/static"))), wheel.version


def serve_api_docs(app: FastAPI, prefix: str) -> None:
    """Serve Swagger UI for ``app.openapi_url`` at ``<prefix>/docs``, every asset from ``<prefix>/docs/assets``.

    Call it on an app built with ``docs_url=None``, before the service's routers, so a
    route such as ``<prefix>/{id}`` cannot shadow the docs page.
    """
    if app.openapi_url is None:
        raise ValueError("the docs page needs the app's openapi_url")
    static_dir, version = _swagger_ui_static()
    assets = f"{prefix}/docs/assets"
    openapi_url = app.openapi_url
    title = f"{app.title} - Swagger UI"
    # No external validator badge; the services' only scheme is a bearer token, so no OAuth2 redirect page.
    parameters = {**(app.swagger_ui_parameters or {}), "validatorUrl": None}

    @app.get(f"{prefix}/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{assets}/swagger-ui-bundle.js?v={version}",
            swagger_css_url=f"{assets}/swagger-ui.css?v={version}",
            swagger_favicon_url=f"{assets}/favicon-32x32.png?v={version}",
            swagger_ui_parameters=parameters,
        )

    app.mount(assets, _CachedStaticFiles(directory=static_dir), name="api-docs-assets")
