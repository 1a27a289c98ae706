"""HTTP routes of evidence-store."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile

from evidence_store.domain.model import Evidence
from evidence_store.entrypoints.http.schemas import DownloadOut, EvidenceOut, RequestUpload, UploadOut
from evidence_store.domain.errors import FileTooLargeError
from evidence_store.service_layer.handlers import EvidenceHandlers
from shared_audits.http import NEXT_PAGE_HEADERS, CurrentPrincipal, link_next_page

router = APIRouter(tags=["evidence"])

_CHUNK = 1024 * 1024


def _handlers(request: Request) -> EvidenceHandlers:
    return request.app.state.evidence_handlers


Handlers = Annotated[EvidenceHandlers, Depends(_handlers)]


def _out(evidence: Evidence) -> EvidenceOut:
    return EvidenceOut(
        evidence_id=evidence.id, **evidence.model_dump(exclude={"id", "version", "object_key", "uploaded_by"})
    )


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    """Read the upload, refusing it as soon as it passes the limit."""
    chunks, size = [], 0
    while chunk := await upload.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise FileTooLargeError(f"the limit is {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/caps/{cap_id}/items/{item_id}/files", response_model=EvidenceOut, status_code=201)
async def upload_evidence(
    cap_id: str,
    item_id: str,
    file: Annotated[UploadFile, File(description="PDF, JPEG, PNG, DOCX or XLSX; checked by content")],
    caller: CurrentPrincipal,
    handlers: Handlers,
) -> EvidenceOut:
    content = await _read_limited(file, handlers.max_upload_bytes)
    return _out(await handlers.upload(caller, cap_id, item_id, file.filename or "", content, file.content_type))


@router.post("/caps/{cap_id}/items/{item_id}/uploads", response_model=UploadOut, status_code=201)
async def request_upload(
    cap_id: str, item_id: str, body: RequestUpload, caller: CurrentPrincipal, handlers: Handlers
) -> UploadOut:
    """A short-lived presigned PUT URL for one new object; complete it with POST /uploads/{id}/complete."""
    ticket = await handlers.request_upload(
        caller, cap_id, item_id, body.filename, body.content_type, body.size_bytes, body.sha256
    )
    return UploadOut(upload_id=ticket.session.id, upload_url=ticket.url, expires_in=ticket.expires_in)


@router.post("/uploads/{upload_id}/complete", response_model=EvidenceOut, status_code=201)
async def complete_upload(upload_id: str, caller: CurrentPrincipal, handlers: Handlers) -> EvidenceOut:
    """Verify the uploaded object (size, type by content, SHA-256 as stored); a refused one is deleted."""
    return _out(await handlers.complete_upload(caller, upload_id))


@router.get("/caps/{cap_id}/items/{item_id}/files", response_model=list[EvidenceOut],
            responses={200: {"description": "One page of the item's evidence versions, oldest first",
                             "headers": NEXT_PAGE_HEADERS}})
async def evidence_of_item(
    cap_id: str,
    item_id: str,
    request: Request,
    response: Response,
    caller: CurrentPrincipal,
    handlers: Handlers,
    limit: Annotated[int, Query(ge=1, le=100, description="Versions per page")] = 100,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,9}$",
                                        description="From the previous page's `X-Next-Cursor`")] = None,
) -> list[EvidenceOut]:
    """The item's evidence versions, oldest first, a page at a time (follow `Link: rel="next"` until it is
    absent); rejected versions stay."""
    versions, next_version = await handlers.evidence_of_item(
        caller, cap_id, item_id, limit=limit, after_version=int(cursor) if cursor else None
    )
    link_next_page(request, response, None if next_version is None else str(next_version), limit)
    return [_out(evidence) for evidence in versions]


@router.get("/files/{evidence_id}", response_model=EvidenceOut)
async def get_evidence(evidence_id: str, caller: CurrentPrincipal, handlers: Handlers) -> EvidenceOut:
    return _out(await handlers.evidence_for(caller, evidence_id))


@router.get("/files/{evidence_id}/download", response_model=DownloadOut)
async def download_evidence(evidence_id: str, caller: CurrentPrincipal, handlers: Handlers) -> DownloadOut:
    """A presigned URL that expires in minutes, handed only to callers who may see the factory."""
    link = await handlers.download_link(caller, evidence_id)
    return DownloadOut(url=link.url, expires_in=link.expires_in)
