"""HTTP routes of the tamper-evident record: a CAP's export, the public keys, checkpoints and rotation."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from cap_service.entrypoints.http.schemas import (
    CapRecordOut,
    CheckpointRunOut,
    RecordKeyOut,
    RecordKeysOut,
    SignedCheckpointOut,
)
from cap_service.service_layer.record import CapRecords
from shared_audits.http import CurrentPrincipal, CurrentViewer

router = APIRouter(tags=["records"])


def _records(request: Request) -> CapRecords:
    return request.app.state.cap_records


Records = Annotated[CapRecords, Depends(_records)]


@router.get("/caps/{cap_id}/record", response_model=CapRecordOut)
async def cap_record(cap_id: str, caller: CurrentPrincipal, viewer: CurrentViewer, records: Records) -> JSONResponse:
    """The CAP's record with its latest signed checkpoint and the public key that signed it.

    Check it offline with `shared-audits verify FILE`. Seen by whoever sees the CAP (404 for others);
    who decided is disclosed as the CAP view names it (another member's id only within a member group).
    """
    document = await records.export(caller, cap_id, sees=viewer.sees)
    # Sent as built: the entries' JSON values are hashed as they are, so nothing may re-shape them.
    return JSONResponse(document, headers={"Content-Disposition": f'attachment; filename="cap-record-{cap_id}.json"'})


@router.get("/record-keys", response_model=RecordKeysOut)
async def record_keys(records: Records) -> RecordKeysOut:
    """Every public key that ever signed a record checkpoint, retired ones included (public, no token)."""
    return RecordKeysOut.model_validate(await records.published_keys())


@router.post("/record-keys/rotations", response_model=RecordKeyOut, status_code=201)
async def rotate_record_key(caller: CurrentPrincipal, records: Records) -> RecordKeyOut:
    """The operator rotates the record signing key: a new key signs from now on, older ones stay published."""
    return RecordKeyOut.model_validate(await records.rotate_key(caller))


@router.post("/record-checkpoints", response_model=CheckpointRunOut)
async def sign_checkpoint(caller: CurrentPrincipal, records: Records) -> CheckpointRunOut:
    """The operator signs a checkpoint now instead of waiting for the schedule; answers the latest one."""
    checkpoint = await records.sign_checkpoint_now(caller)
    signed = SignedCheckpointOut(body=checkpoint.body, signature=checkpoint.signature) if checkpoint else None
    return CheckpointRunOut(checkpoint=signed)
