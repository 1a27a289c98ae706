"""Evidence files through the portal: a preview shown in the page, or a download, for any signed-in user.

The evidence store decides who may read a file (linked members, the factory itself); the portal only
passes the bytes on, so the browser never needs a token or a link to the S3 store.
"""

from __future__ import annotations


import httpx
from fastapi import APIRouter, HTTPException, Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from portal.adapters.gateway import ServiceProblem
from portal.domain.evidence_files import content_disposition, media_type, shows_inline
from portal.entrypoints.http.deps import PageContext, SignedIn, is_id

router = APIRouter()
PASSED_HEADERS = ("content-length", "last-modified", "etag")
# The file is shown alone in a frame: no script at all; the browser's own PDF viewer may style its wrapper.
FILE_POLICY = ("default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; object-src 'self'; "
               "frame-ancestors 'self'; base-uri 'none'; form-action 'none'")


@router.get("/files/{evidence_id}/preview")
async def preview(page: SignedIn, evidence_id: str) -> Response:
    return await _send(page, evidence_id, inline=True)


@router.get("/files/{evidence_id}/download")
async def download(page: SignedIn, evidence_id: str) -> Response:
    return await _send(page, evidence_id, inline=False)


async def _send(page: PageContext, evidence_id: str, inline: bool) -> Response:
    if not is_id(evidence_id):
        raise HTTPException(404)
    evidence = await page.get(f"/evidence/files/{evidence_id}")  # 404 for whoever may not see it
    upstream, client = await _open(page, f"/evidence/files/{evidence_id}/download")
    content_type = media_type(evidence.get("content_type")) or "application/octet-stream"
    headers = {name: upstream.headers[name] for name in PASSED_HEADERS
               if name in upstream.headers and "content-encoding" not in upstream.headers}
    headers["Content-Disposition"] = content_disposition(evidence.get("filename"),
                                                         inline=inline and shows_inline(content_type))
    headers["Cache-Control"] = "private, no-store"
    headers["Content-Security-Policy"] = FILE_POLICY

    async def close() -> None:
        await upstream.aclose()
        if client is not None:
            await client.aclose()

    return StreamingResponse(upstream.aiter_bytes(), media_type=content_type, headers=headers,
                             background=BackgroundTask(close))


async def _open(page: PageContext, path: str) -> tuple[httpx.Response, httpx.AsyncClient | None]:
    """The file's bytes, streamed. The evidence store answers with the file itself or, as it does today,
    with a short-lived presigned URL of the S3 store, fetched here without the user's token (the
    signature in the URL is the authorisation; the token must never travel to the store)."""
    response = await page.portal.gateway.stream(path, page.token)
    if media_type(response.headers.get("content-type")) != "application/json":
        return response, None
    await response.aread()
    await response.aclose()
    url = str(response.json().get("url") or "")
    if not url.startswith(("https://", "http://")):
        raise ServiceProblem(status=502, title="The evidence store gave no download address")
    client = httpx.AsyncClient(timeout=page.portal.settings.gateway_timeout_seconds)
    try:
        stored = await client.send(client.build_request("GET", url), stream=True)
    except httpx.HTTPError:
        await client.aclose()
        raise
    if stored.status_code >= 400:
        await stored.aclose()
        await client.aclose()
        # An expired or refused link: the file is gone or the store is unwell, never the user's fault.
        raise ServiceProblem(status=404 if stored.status_code == 404 else 502, title="The file could not be read")
    return stored, client
