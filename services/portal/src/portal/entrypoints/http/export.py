"""A member takes its data with it: the export page, and the archive as a stream, in the portal and the API.

The archive is the one the CLI writes (shared_audits_client.portability, docs/member-export.md),
read through the gateway with the caller's own token: it holds what the services let the member
see. It is a streamed response: records and files go out as they are read, nothing is kept on a
replica, so any replica serves any request (no job, no session state).

Progress: the page first counts what the archive will hold (sites, audits, CAPs, evidence files
and their total size); the download then streams, and the browser shows the bytes received
against that size. Counting reads the tables only (no file bytes, no records).

``GET /api/export.zip`` gives the same archive to a member's system with the bearer token it uses
on the gateway API; ``GET /api/openapi.json`` documents it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, StreamingResponse
from shared_audits.http import problem
from shared_audits.problems import document_problem_answers, problems
from shared_audits_client import portability
from shared_audits_client.api import ApiError, PlatformClient

from portal.adapters.gateway import ServiceProblem, TokenRejected
from portal.entrypoints.http.deps import MemberPage

log = logging.getLogger("portal.export")
router = APIRouter()
api = APIRouter(prefix="/api", tags=["export"])
ARCHIVE_DESCRIPTION = (
    "A zip (zip64, deflated): `export.json` (format `shared-audits-member-export`, version 2, every table and a "
    "manifest with the counts and the size and SHA-256 of every other file), one CSV per table, "
    "`records/<cap_id>.json` (each CAP's tamper-evident record, for `shared-audits verify`) and "
    "`evidence/<evidence_id>/<filename>` (the evidence files the member may download). Streamed: no "
    "Content-Length; a cut stream leaves a zip without its central directory, which no reader opens."
)


def _client(request: Request, token: str) -> PlatformClient:
    portal = request.app.state.portal
    return PlatformClient(portal.settings.gateway_url, token, timeout=portal.settings.gateway_timeout_seconds,
                          transport=getattr(request.app.state, "gateway_transport", None))


def _archive(request: Request, token: str) -> Iterator[bytes]:
    """The archive's bytes, read on a worker thread as the response is sent; the client closed at the end."""
    client = _client(request, token)
    try:
        yield from portability.stream_archive(client)
    except Exception:
        log.exception("a member's export stopped before its end")  # the zip is cut: no reader opens it
        raise
    finally:
        client.close()


def _filename() -> str:
    return f"shared-audits-export-{datetime.now(UTC):%Y%m%d-%H%M%S}.zip"


def _streamed(request: Request, token: str) -> StreamingResponse:
    headers = {"Content-Disposition": f'attachment; filename="{_filename()}"', "Cache-Control": "private, no-store"}
    return StreamingResponse(_archive(request, token), media_type=portability.MEDIA_TYPE, headers=headers)


@router.get("/member/export")
async def export_page(page: MemberPage, request: Request) -> Response:
    """What the archive will hold, counted first, and the link that downloads it."""
    client = _client(request, page.token)
    try:
        export = await run_in_threadpool(portability.collect, client)
    except ApiError as error:  # to the central handlers: sign in again, or the error page
        if error.status == 401:
            raise TokenRejected(str(error)) from error
        raise ServiceProblem(status=error.status, title=str(error.problem.get("title") or "Error"),
                             detail=str(error.problem.get("detail") or "")) from error
    finally:
        client.close()
    return page.render("member/export.html", counts=export.counts(), evidence_bytes=export.evidence_bytes)


@router.get("/member/export.zip")
async def export_download(page: MemberPage, request: Request) -> Response:
    """The archive, streamed, for the signed-in member (the session's token)."""
    return _streamed(request, page.token)


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@api.get(
    "/export.zip",
    summary="A member's export archive, streamed",
    response_class=StreamingResponse,
    responses={
        200: {"description": ARCHIVE_DESCRIPTION,
              "content": {portability.MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
        **problems({401: "No valid bearer token (the one the gateway API takes)",
                    404: "The caller is not a member organisation"}),
    },
    openapi_extra={"security": [{"bearer": []}]},
)
async def export_archive(request: Request) -> Response:
    """Everything the calling member may see, in one archive (docs/member-export.md).

    Authenticate with the bearer token of the gateway API (a member's machine client or user).
    The same archive as `shared-audits export` and the portal's export page.
    """
    token = _bearer(request)
    if token is None:
        return problem(401, "Unauthenticated", "Send the gateway API's bearer token: Authorization: Bearer <token>")
    gateway = request.app.state.portal.gateway
    try:
        organisation = await gateway.get("/access/organisations/me", token)
    except TokenRejected:
        return problem(401, "Unauthenticated", "The bearer token is not valid (expired, revoked or not ours)")
    except ServiceProblem as error:
        if error.status in (401, 403, 404):
            return problem(404, "Not found", "Only a member organisation exports its data")
        raise HTTPException(502) from error
    if organisation.get("kind") != "member":
        return problem(404, "Not found", "Only a member organisation exports its data")
    return _streamed(request, token)


def api_openapi() -> dict:
    """The portal's API (not its pages): the export, with its problem answers."""
    schema = get_openapi(title="Shared audits portal API", version="1", routes=api.routes,
                         description="The portal's API beside its pages: a member's export archive.")
    schema.setdefault("components", {})["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    return document_problem_answers(schema)


@api.get("/openapi.json", include_in_schema=False)
async def openapi_document() -> JSONResponse:
    return JSONResponse(api_openapi())


router.include_router(api)
