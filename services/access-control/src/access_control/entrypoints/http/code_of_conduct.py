"""HTTP routes of the Code of Conduct: translate only."""

from fastapi import APIRouter, Request, Response

from access_control.domain.code_of_conduct import CodeOfConduct, CodeOfConductSignature
from access_control.entrypoints.http.deps import Codes, Cursor, PageLimit
from access_control.entrypoints.http.schemas import (
    CodeOfConductOut,
    PublishCodeOfConduct,
    SignatureOut,
    SignCodeOfConduct,
)
from access_control.service_layer.paging import PAGE_LIMIT
from shared_audits.http import NEXT_PAGE_HEADERS, CurrentPrincipal, link_next_page

router = APIRouter(prefix="/code-of-conduct", tags=["code of conduct"])


def _code_out(code: CodeOfConduct) -> CodeOfConductOut:
    return CodeOfConductOut(version=code.id, title=code.title, text=code.text, content_sha256=code.content_sha256,
                            published_at=code.published_at)


def _signature_out(signature: CodeOfConductSignature) -> SignatureOut:
    return SignatureOut(**signature.model_dump(exclude={"id", "version"}))


@router.post("/versions", response_model=CodeOfConductOut, status_code=201)
async def publish(body: PublishCodeOfConduct, caller: CurrentPrincipal, codes: Codes) -> CodeOfConductOut:
    """The operator publishes a new version; it becomes the current one."""
    return _code_out(await codes.publish(caller, body.version, body.title, body.text))


@router.get("/current", response_model=CodeOfConductOut)
async def current(caller: CurrentPrincipal, codes: Codes) -> CodeOfConductOut:
    return _code_out(await codes.current())


@router.post("/signatures", response_model=SignatureOut, status_code=201)
async def sign(body: SignCodeOfConduct, caller: CurrentPrincipal, codes: Codes) -> SignatureOut:
    """An organisation's admin signs the current version in the organisation's name."""
    return _signature_out(await codes.sign(caller, body.code_version))


@router.get("/signatures", response_model=list[SignatureOut], responses={200: {"description": "One page, in id order", "headers": NEXT_PAGE_HEADERS}})
async def signatures(
    request: Request, response: Response, caller: CurrentPrincipal, codes: Codes,
    organisation_id: str | None = None, limit: PageLimit = PAGE_LIMIT, cursor: Cursor = None,
) -> list[SignatureOut]:
    """The organisation's signatures (the operator: any organisation's), a page at a time (`Link: rel="next"`)."""
    page, next_cursor = await codes.signatures_of(caller, organisation_id, limit=limit, after=cursor)
    link_next_page(request, response, next_cursor, limit)
    return [_signature_out(signature) for signature in page]
