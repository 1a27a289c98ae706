"""HTTP routes of the Code of Conduct: translate only."""

from fastapi import APIRouter

from access_control.domain.code_of_conduct import CodeOfConduct, CodeOfConductSignature
from access_control.entrypoints.http.deps import Codes
from access_control.entrypoints.http.schemas import (
    CodeOfConductOut,
    PublishCodeOfConduct,
    SignatureOut,
    SignCodeOfConduct,
)
from shared_audits.http import CurrentPrincipal

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


@router.get("/signatures", response_model=list[SignatureOut])
async def signatures(
    caller: CurrentPrincipal, codes: Codes, organisation_id: str | None = None
) -> list[SignatureOut]:
    return [_signature_out(signature) for signature in await codes.signatures_of(caller, organisation_id)]
