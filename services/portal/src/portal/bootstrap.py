"""The one place that builds the portal: settings, the gateway client, templates, routes."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from portal.adapters.gateway import Gateway, ServiceProblem, TokenRejected
from portal.adapters.pdf import PdfRenderer
from portal.adapters.session_cookie import SessionCookie
from portal.config import Settings
from portal.entrypoints.http import (
    audit,
    auth,
    cap_plans,
    due_diligence,
    export,
    factory,
    files,
    handbook,
    member,
    operator,
)
from portal.entrypoints.http.deps import (
    CSRF_COOKIE,
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    CsrfRefused,
    PageContext,
    Portal,
    SignInRequired,
    page_context,
    sign_in_url,
)
from portal.entrypoints.http.pages import Pages

log = logging.getLogger("portal")
STATIC = Path(__file__).resolve().parent / "static"
YEAR = 365 * 24 * 3600

# Everything the pages use comes from the portal itself: no other origin, no inline script.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "object-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
}


class CachedStatic(StaticFiles):
    """Static files under a versioned URL, so browsers on slow links keep them for a year."""

    async def get_response(self, path: str, scope) -> Response:  # type: ignore[override]
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return response


def build_app(settings: Settings | None = None, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or Settings()
    gateway = Gateway(settings.gateway_url, settings.gateway_timeout_seconds, transport=transport)
    portal = Portal(settings=settings, gateway=gateway,
                    cookies=SessionCookie(settings.session_secret, settings.session_max_age_seconds),
                    pages=Pages())

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        await gateway.aclose()

    app = FastAPI(title="Shared audits portal", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.portal = portal
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.mount("/static", CachedStatic(directory=STATIC), name="static")
    app.state.pdf_renderer = PdfRenderer(STATIC / "pdf.css")
    for router in (auth.router, factory.router, member.router, audit.router, operator.router, files.router,
                   handbook.router, due_diligence.router, export.router, cap_plans.router):
        app.include_router(router)
    app.state.gateway_transport = transport  # the export's own (synchronous) client of the gateway, in tests

    @app.middleware("http")
    async def cookies_and_headers(request: Request, call_next):
        response = await call_next(request)
        page: PageContext | None = getattr(request.state, "page", None)
        if page is not None:
            write_cookies(response, page, settings)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith("/static/"):
            return response
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    install_error_pages(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        ready = await gateway.ready()
        return JSONResponse({"gateway": "ok" if ready else "unreachable"}, status_code=200 if ready else 503)

    return app


def write_cookies(response: Response, page: PageContext, settings: Settings) -> None:
    secure = settings.secure_cookies
    for name, value in page.cookies_out.items():
        if value is None:
            response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
            continue
        max_age = {SESSION_COOKIE: settings.session_max_age_seconds, LANGUAGE_COOKIE: YEAR}.get(name)
        response.set_cookie(name, value, max_age=max_age, path="/", secure=secure, httponly=True,
                            samesite="strict" if name == CSRF_COOKIE else "lax")


def install_error_pages(app: FastAPI) -> None:
    """Errors become pages in the user's language; never a stack trace, never a token."""

    async def context_of(request: Request) -> PageContext:
        page = getattr(request.state, "page", None)
        return page if page is not None else await page_context(request)

    def finish(request: Request, response: Response, page: PageContext) -> Response:
        write_cookies(response, page, request.app.state.portal.settings)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    async def to_sign_in(request: Request, expired: bool) -> Response:
        page = await context_of(request)
        page.set_session(None)
        target = sign_in_url(request.url.path if request.method == "GET" else "/", expired)
        if page.is_htmx:
            response: Response = Response(status_code=200, headers={"HX-Redirect": target})
        else:
            response = RedirectResponse(target, status_code=303)
        return finish(request, response, page)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, error: SignInRequired) -> Response:
        return await to_sign_in(request, error.expired)

    @app.exception_handler(TokenRejected)
    async def _token_rejected(request: Request, _: TokenRejected) -> Response:
        return await to_sign_in(request, True)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _: CsrfRefused) -> Response:
        page = await context_of(request)
        return finish(request, page.render("error.html", status_code=403, status=403,
                                           title=page._("This form has expired"),
                                           detail=page._("Please go back, reload the page and send the form again.")),
                      page)

    @app.exception_handler(ServiceProblem)
    async def _problem(request: Request, problem: ServiceProblem) -> Response:
        page = await context_of(request)
        status = problem.status if problem.status < 500 else 502
        if status >= 500:
            log.warning("a service failed behind %s: %s", request.url.path, problem)
        return finish(request, error_page(page, status, problem.detail), page)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        page = await context_of(request)
        return finish(request, error_page(page, error.status_code, ""), page)

    @app.exception_handler(httpx.HTTPError)
    async def _unreachable(request: Request, error: httpx.HTTPError) -> Response:
        log.warning("gateway unreachable behind %s: %r", request.url.path, error)
        page = await context_of(request)
        return finish(request, error_page(page, 502, ""), page)


def error_page(page: PageContext, status: int, detail: str) -> Response:
    titles = {
        400: page._("The request could not be handled"),
        403: page._("You may not open this page"),
        404: page._("Page not found"),
        409: page._("This was changed in the meantime"),
        422: page._("Some fields need attention"),
        429: page._("Too many requests; please wait a moment"),
        502: page._("A service did not answer; please try again shortly"),
    }
    title = titles.get(status, page._("The request could not be handled"))
    return page.render("error.html", status_code=status, status=status, title=title, detail=detail)
