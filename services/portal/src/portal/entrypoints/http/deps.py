"""What every page needs: the language, the session (renewed when due), CSRF checks, rendering."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from itsdangerous import BadSignature, URLSafeSerializer

from portal.adapters.catalogs import DEFAULT_LANGUAGE, LANGUAGES, negotiate
from portal.adapters.gateway import Gateway, ServiceProblem, TokenRejected
from portal.adapters.refresh import SingleFlightRefresher
from portal.adapters.session_cookie import SessionCookie
from portal.config import Settings
from portal.domain.session import Session, SignedInUser
from portal.entrypoints.http.pages import Pages

T = TypeVar("T")
SESSION_COOKIE = "sa_session"
CSRF_COOKIE = "sa_csrf"
LANGUAGE_COOKIE = "sa_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class SignInRequired(Exception):
    """No session, or one that has ended: the page sends the browser to the sign-in page."""

    def __init__(self, expired: bool) -> None:
        self.expired = expired


class CsrfRefused(Exception):
    """A form post without the token of this browser."""


@dataclass
class Portal:
    """The process-wide parts, built once in bootstrap."""

    settings: Settings
    gateway: Gateway
    cookies: SessionCookie
    pages: Pages
    refresher: SingleFlightRefresher = field(init=False)
    csrf_signer: URLSafeSerializer = field(init=False)

    def __post_init__(self) -> None:
        self.refresher = SingleFlightRefresher(self.renew)
        self.csrf_signer = URLSafeSerializer(self.settings.session_secret, salt="portal-csrf")

    async def sign_in(self, email: str, password: str) -> Session:
        tokens = await self.gateway.post("/access/login", None, {"email": email, "password": password})
        return self.session_from(tokens, email)

    def session_from(self, tokens: dict, email: str, started_at: float | None = None) -> Session:
        # Claims only choose pages; each service verifies the token's signature itself.
        claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
        now = time.time()
        return Session(
            user=SignedInUser.from_claims(claims, email), access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"], access_expires_at=now + float(tokens["expires_in"]),
            started_at=started_at or now,
        )

    async def renew(self, session: Session) -> Session:
        try:
            tokens = await self.gateway.post("/access/refresh", None, {"refresh_token": session.refresh_token})
        except ServiceProblem as problem:
            if problem.status in (400, 401, 403, 404, 422):
                raise TokenRejected("refresh") from problem
            raise
        renewed = self.session_from(tokens, session.user.email, started_at=session.started_at)
        return renewed


def portal_of(request: Request) -> Portal:
    return request.app.state.portal


@dataclass
class PageContext:
    """One request's language, session and CSRF token; cookies to set on the way out."""

    request: Request
    portal: Portal
    language: str
    session: Session | None
    csrf_cookie: str
    cookies_out: dict[str, str | None] = field(default_factory=dict)
    flash: str | None = None

    @property
    def user(self) -> SignedInUser | None:
        return self.session.user if self.session else None

    @property
    def token(self) -> str:
        assert self.session is not None
        return self.session.access_token

    @property
    def csrf_token(self) -> str:
        return self.portal.csrf_signer.dumps(self.csrf_cookie)

    @property
    def is_htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"

    def _(self, message: str, **values: Any) -> str:
        return self.portal.pages.gettext(self.language, message, **values)

    def render(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        response = self.portal.pages.html(
            self.language, template, status_code=status_code, user=self.user, csrf_token=self.csrf_token,
            csrf_field=CSRF_FIELD, path=self.request.url.path, flash=self.flash,
            **values,
        )
        return response

    def set_session(self, session: Session | None) -> None:
        self.session = session
        self.cookies_out[SESSION_COOKIE] = self.portal.cookies.encode(session) if session else None

    # The API, with this session's token.
    async def get(self, path: str, **params: Any) -> Any:
        return await self.portal.gateway.get(path, self.token, **params)

    async def post(self, path: str, body: dict | None = None, **kwargs: Any) -> Any:
        return await self.portal.gateway.post(path, self.token, body, **kwargs)

    async def put(self, path: str, body: dict) -> Any:
        return await self.portal.gateway.put(path, self.token, body)

    async def delete(self, path: str) -> Any:
        return await self.portal.gateway.delete(path, self.token)

    async def listing(self, path: str, cursor: str = "", **params: Any) -> tuple[list[dict], str | None, str]:
        """One page of a list, the cursor of the next one (the ``X-Next-Cursor`` header) and the cursor
        used: a cursor from an old link that the service refuses (422) gives the first page."""
        clean = {name: value for name, value in params.items() if value not in (None, "")}
        try:
            response = await self.portal.gateway.request("GET", path, self.token, params={**clean, "cursor": cursor}
                                                         if cursor else clean)
        except ServiceProblem as problem:
            if problem.status != 422 or not cursor:
                raise
            return await self.listing(path, "", **params)
        return response.json(), response.headers.get("X-Next-Cursor"), cursor


_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_id(value: str) -> bool:
    return bool(_ID.fullmatch(value))


def checked_id(value: str) -> str:
    """An id from the address or a form, before it goes into a service's path: anything else is not found."""
    if not is_id(value):
        raise HTTPException(status_code=404)
    return value


def _language(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in {language.code for language in LANGUAGES}:
        return chosen
    return negotiate(request.headers.get("accept-language")) or DEFAULT_LANGUAGE


async def page_context(request: Request) -> PageContext:
    portal = portal_of(request)
    csrf_cookie = request.cookies.get(CSRF_COOKIE) or ""
    context = PageContext(request=request, portal=portal, language=_language(request),
                          session=portal.cookies.decode(request.cookies.get(SESSION_COOKIE)),
                          csrf_cookie=csrf_cookie or secrets.token_urlsafe(24))
    if not csrf_cookie:
        context.cookies_out[CSRF_COOKIE] = context.csrf_cookie
    request.state.page = context
    return context


Page = Annotated[PageContext, Depends(page_context)]


async def signed_in(context: Page) -> PageContext:
    """The page needs a user: renew the tokens when due, or send the browser to sign in."""
    session = context.session
    settings = context.portal.settings
    if session is None:
        raise SignInRequired(expired=SESSION_COOKIE in context.request.cookies)
    now = time.time()
    if session.has_outlived(now, settings.session_max_age_seconds):
        raise SignInRequired(expired=True)
    if session.needs_refresh(now, settings.refresh_margin_seconds):
        try:
            context.set_session(await context.portal.refresher.refresh(session))
        except TokenRejected as error:
            raise SignInRequired(expired=True) from error
    return context


SignedIn = Annotated[PageContext, Depends(signed_in)]


async def _csrf_checked(context: Page) -> PageContext:
    request = context.request
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    try:
        expected = context.portal.csrf_signer.loads(sent or "")
    except BadSignature as error:
        raise CsrfRefused() from error
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    if not cookie or not secrets.compare_digest(str(expected), cookie):
        raise CsrfRefused()
    return context


async def signed_in_form(context: Annotated[PageContext, Depends(_csrf_checked)]) -> PageContext:
    return await signed_in(context)


CheckedForm = Annotated[PageContext, Depends(_csrf_checked)]
SignedInForm = Annotated[PageContext, Depends(signed_in_form)]


def require_kind(page: PageContext, kind: str) -> PageContext:
    """Pages of one kind of organisation answer 404 to anyone else, as if they did not exist."""
    if page.user is None or page.user.organisation_kind != kind:
        raise HTTPException(404)
    return page


def _pages_of(kind: str):
    async def page_of(page: SignedIn) -> PageContext:
        return require_kind(page, kind)

    async def form_of(page: SignedInForm) -> PageContext:
        return require_kind(page, kind)

    return Annotated[PageContext, Depends(page_of)], Annotated[PageContext, Depends(form_of)]


FactoryPage, FactoryForm = _pages_of("factory")
MemberPage, MemberForm = _pages_of("member")
AuditPage, AuditForm = _pages_of("audit_company")
OperatorPage, OperatorForm = _pages_of("operator")


async def optional(call: Awaitable[T]) -> T | None:
    """None when the service answers 404 (a profile not yet submitted, a site the registry has not seen yet)."""
    try:
        return await call
    except ServiceProblem as problem:
        if problem.status == 404:
            return None
        raise


def sign_in_url(next_path: str, expired: bool) -> str:
    query = f"?next={quote(next_path, safe='/')}"
    return "/signin" + query + ("&expired=1" if expired else "")


def safe_next(value: str | None, default: str = "/") -> str:
    """Only a path on this site: never another host (an open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value
