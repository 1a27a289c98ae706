"""HTTP edge helpers: RFC 9457 problem responses, health and readiness, caller identity."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pymongo.errors import ConnectionFailure, PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared_audits.auth import Principal, TokenVerifier
from shared_audits.contracts.enums import ClientScope
from shared_audits.member_groups import MemberGroups, MemberViewer
from shared_audits.merges import current_site
from shared_audits.errors import (
    ConflictError,
    DomainError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
)

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

_STATUS_BY_ERROR: list[tuple[type[DomainError], int]] = [
    (NotFoundError, 404),
    (PermissionDeniedError, 403),
    (ConflictError, 409),
    (InvalidRequestError, 422),
    (UnauthenticatedError, 401),
]


def problem(status: int, title: str, detail: str, **extra: object) -> JSONResponse:
    slug = title.lower().replace(" ", "-")
    body = {"type": f"urn:shared-audits:problem:{slug}", "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    """Every error leaves as a JSON problem body; the database being away is a 503."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, error: DomainError) -> JSONResponse:
        status = error.status or next((s for kind, s in _STATUS_BY_ERROR if isinstance(error, kind)), 400)
        return problem(status, error.title, error.detail, **error.extensions)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(part) for part in e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in error.errors()
        ]
        return problem(422, "Invalid request", "the request does not match the schema", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem(error.status_code, str(error.detail), str(error.detail))

    @app.exception_handler(ConnectionFailure)
    async def _database_away(_: Request, error: ConnectionFailure) -> JSONResponse:
        logger.warning("database unavailable: %s", error)
        return problem(503, "Service unavailable", "the database is not reachable; try again shortly")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        # A bug, not the caller's fault: logged with its trace, answered as a problem body.
        logger.error("unhandled error", exc_info=error)
        return problem(500, "Internal error", "an unexpected error occurred; it has been logged")

    @app.exception_handler(PyMongoError)
    async def _database_error(_: Request, error: PyMongoError) -> JSONResponse:
        logger.error("database error", exc_info=error)
        return problem(503, "Service unavailable", "the database refused the operation; try again shortly")


ReadinessCheck = Callable[[], Awaitable[None]]


def add_health_routes(app: FastAPI, checks: dict[str, ReadinessCheck]) -> None:
    """/healthz says the process is alive; /readyz that its dependencies answer."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as error:  # noqa: BLE001 - reported, not raised
                results[name] = f"unavailable: {type(error).__name__}"
        ready = all(value == "ok" for value in results.values())
        return JSONResponse({"ready": ready, "checks": results}, status_code=200 if ready else 503)


_bearer = HTTPBearer(auto_error=False, description="Access token from access-control")


def principal_dependency(
    verifier_of: Callable[[Request], TokenVerifier],
) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency that verifies the bearer token and returns the caller."""

    async def current_principal(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise UnauthenticatedError("a bearer token is required")
        principal = await verifier_of(request).verify(credentials.credentials)
        merged = getattr(request.app.state, "merged_factories", None)
        if principal.is_factory and principal.factory_id and merged is not None:
            # A token issued before its site was merged acts for the surviving site at once.
            surviving = await current_site(merged, principal.factory_id)
            if surviving != principal.factory_id:
                principal = replace(principal, factory_id=surviving)
        required = getattr(request.app.state, "client_scopes", None)
        if required is not None:
            required.check(principal, request.method)
        return principal

    return current_principal


@dataclass(frozen=True)
class ServiceScopes:
    """The scopes a member's machine client needs here: one to read, one to write.

    A client created with scopes acts only within them; users and an
    organisation's primary client (no scopes) act by their roles.
    """

    read: ClientScope
    write: ClientScope | None = None

    def check(self, principal: Principal, method: str) -> None:
        if not principal.scopes:
            return
        needed = self.read if method in ("GET", "HEAD", "OPTIONS") else self.write
        if needed is None or needed.value not in principal.scopes:
            name = needed.value if needed else "a write scope this service offers"
            raise PermissionDeniedError(f"this client lacks the scope {name}")


def verifier_from_state(request: Request) -> TokenVerifier:
    return request.app.state.token_verifier


CurrentPrincipal = Annotated[Principal, Depends(principal_dependency(verifier_from_state))]


async def current_viewer(request: Request, caller: CurrentPrincipal) -> MemberViewer:
    """Whose ids the caller sees (shared_audits.member_groups); the groups are read for a member only."""
    source = getattr(request.app.state, "member_groups", None)
    groups = await source.current() if caller.is_member and source is not None else MemberGroups()
    return MemberViewer.of(caller, groups)


CurrentViewer = Annotated[MemberViewer, Depends(current_viewer)]


# The headers of one page of a list (document them in the route's 200 response: ``"headers": NEXT_PAGE_HEADERS``).
NEXT_PAGE_HEADERS = {
    "Link": {"description": 'The next page, when there is one: `<...&cursor=...>; rel="next"` (RFC 8288).',
             "schema": {"type": "string"}},
    "X-Next-Cursor": {"description": "The `cursor` of the next page; absent on the last page.",
                      "schema": {"type": "string"}},
}


def link_next_page(request: Request, response: Response, next_cursor: str | None, limit: int) -> None:
    """Tell where the next page of a list is (``Link: <...>; rel="next"`` and ``X-Next-Cursor``); None: the last page."""
    if next_cursor is None:
        return
    next_url = request.url.include_query_params(cursor=next_cursor, limit=limit)
    response.headers["Link"] = f'<{next_url.path}?{next_url.query}>; rel="next"'
    response.headers["X-Next-Cursor"] = next_cursor
