"""HTTP routes of the signing keys: the JWKS and the operator's rotation."""

from fastapi import APIRouter

from access_control.domain.signing_keys import KeyLifecycle
from access_control.entrypoints.http.deps import Keys
from access_control.entrypoints.http.schemas import SigningKeyOut
from shared_audits.http import CurrentPrincipal

router = APIRouter(tags=["tokens"])


def _key_out(key: KeyLifecycle) -> SigningKeyOut:
    return SigningKeyOut(kid=key.kid, created_at=key.created_at, activates_at=key.activates_at,
                         retire_after=key.retire_after)


@router.get("/.well-known/jwks.json")
async def jwks(keys: Keys) -> dict:
    """Public keys; every service verifies tokens locally against them."""
    return await keys.jwks()


@router.post("/keys/rotate", response_model=SigningKeyOut, status_code=201)
async def rotate(caller: CurrentPrincipal, keys: Keys) -> SigningKeyOut:
    """Publish a new key now; it signs from ``activates_at``; the old one stays until its tokens expired."""
    return _key_out(await keys.rotate(caller))


@router.get("/keys", response_model=list[SigningKeyOut])
async def list_keys(caller: CurrentPrincipal, keys: Keys) -> list[SigningKeyOut]:
    return [_key_out(key) for key in await keys.key_lifecycles(caller)]
