"""HTTP routes of cap-service."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from cap_service.domain.model import Cap
from cap_service.entrypoints.http.schemas import (
    CapItemOut,
    CapOut,
    DecideItem,
    OverdueScan,
    OverdueScanOut,
    ProgressOut,
)
from cap_service.service_layer.handlers import CapHandlers
from shared_audits.http import CurrentPrincipal

router = APIRouter(tags=["caps"])


def _handlers(request: Request) -> CapHandlers:
    return request.app.state.cap_handlers


Handlers = Annotated[CapHandlers, Depends(_handlers)]


def _out(cap: Cap) -> CapOut:
    return CapOut(
        cap_id=cap.id,
        audit_id=cap.audit_id,
        factory_id=cap.factory_id,
        status=cap.status,
        rule_set_version=cap.rule_set_version,
        opened_at=cap.opened_at,
        progress=ProgressOut(**cap.progress().model_dump()),
        items=[
            CapItemOut(**item.model_dump(exclude={"overdue_reported_for"}), overdue=item.overdue_reported_for == item.deadline and not item.done)
            for item in cap.items
        ],
    )


@router.get("/caps", response_model=list[CapOut])
async def caps_of_factory(
    caller: CurrentPrincipal, handlers: Handlers, factory_id: Annotated[str, Query(min_length=1, max_length=64)]
) -> list[CapOut]:
    return [_out(cap) for cap in await handlers.caps_of_factory(caller, factory_id)]


@router.get("/caps/{cap_id}", response_model=CapOut)
async def get_cap(cap_id: str, caller: CurrentPrincipal, handlers: Handlers) -> CapOut:
    return _out(await handlers.cap_for(caller, cap_id))


@router.post("/caps/{cap_id}/items/{item_id}/decisions", response_model=CapOut)
async def decide_item(
    cap_id: str, item_id: str, body: DecideItem, caller: CurrentPrincipal, handlers: Handlers
) -> CapOut:
    """Accept or reject the evidence submitted for an item; every linked member sees the result."""
    return _out(await handlers.decide(caller, cap_id, item_id, body.decision, body.comment))


@router.post("/overdue-scans", response_model=OverdueScanOut, include_in_schema=False)
async def scan_overdue(body: OverdueScan, caller: CurrentPrincipal, handlers: Handlers) -> OverdueScanOut:
    """Run the scheduled overdue check as of a chosen day: operators, development only (404 otherwise)."""
    return OverdueScanOut(as_of=body.as_of, items_flagged=await handlers.scan_overdue_as_of(caller, body.as_of))
