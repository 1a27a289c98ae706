"""Evidence files through the portal: a preview shown in the page, or a download, for any signed-in user.

The evidence store decides who may read a file (linked members, the factory itself); the portal only
passes the bytes on, so the browser never needs a token or a link to the S3 store.
"""

from __future__ import annotations


import httpx
from fastapi import APIRouter, HTTPException, Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

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
    upstream = await _open(page, f"/evidence/files/{evidence_id}/download")
    content_type = media_type(evidence.get("content_type")) or "application/octet-stream"
    headers = {name: upstream.headers[name] for name in PASSED_HEADERS
               if name in upstream.headers and "content-encoding" not in upstream.headers}
    headers["Content-Disposition"] = content_disposition(evidence.get("filename"),
                                                         inline=inline and shows_inline(content_type))
    headers["Cache-Control"] = "private, no-store"
    headers["Content-Security-Policy"] = FILE_POLICY

    return StreamingResponse(upstream.aiter_bytes(), media_type=content_type, headers=headers,
                             background=BackgroundTask(upstream.aclose))


async def _open(page: PageContext, path: str) -> httpx.Response:
    """The file's bytes, streamed. The evidence store answers with the file itself or, as it does today,
    with a short-lived presigned address of the S3 store, fetched without the user's token."""
    response = await page.portal.gateway.stream(path, page.token)
    if media_type(response.headers.get("content-type")) != "application/json":
        return response
    await response.aread()
    await response.aclose()
    return await page.portal.gateway.stream_presigned(str(response.json().get("url") or ""))
