"""HTTP routes of cap-service."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from cap_service.domain.disclosure import decisions_seen_by, extensions_seen_by
from cap_service.domain.model import Cap
from cap_service.entrypoints.http.schemas import (
    CapItemOut,
    CapOut,
    DecideExtension,
    DecideItem,
    OverdueScan,
    OverdueScanOut,
    ProgressOut,
    RequestExtension,
    WritePlan,
)
from cap_service.service_layer.handlers import CapHandlers
from shared_audits.http import NEXT_PAGE_HEADERS, CurrentPrincipal, CurrentViewer, link_next_page
from shared_audits.member_groups import MemberViewer

router = APIRouter(tags=["caps"])


def _handlers(request: Request) -> CapHandlers:
    return request.app.state.cap_handlers


Handlers = Annotated[CapHandlers, Depends(_handlers)]


def _out(cap: Cap, viewer: MemberViewer) -> CapOut:
    return CapOut(
        cap_id=cap.id,
        audit_id=cap.audit_id,
        factory_id=cap.factory_id,
        status=cap.status,
        rule_set_version=cap.rule_set_version,
        opened_at=cap.opened_at,
        progress=ProgressOut(**cap.progress().model_dump()),
        items=[
            CapItemOut(
                **item.model_dump(exclude={"overdue_reported_for"}),
                decisions=[decision.model_dump()
                           for decision in decisions_seen_by(viewer, cap.decisions_of(item.item_id))],
                follow_ups=[change.model_dump() for change in cap.follow_ups_of(item.item_id)],
                overdue=item.overdue,
                plan=plan.model_dump() if (plan := cap.plan_of(item.item_id)) else None,
                extensions=[extension.model_dump()
                            for extension in extensions_seen_by(viewer, cap.extensions_of(item.item_id))],
            )
            for item in cap.items
        ],
    )


@router.get("/caps", response_model=list[CapOut],
            responses={200: {"description": "One page of the factory's CAPs, in id order", "headers": NEXT_PAGE_HEADERS}})
async def caps_of_factory(
    request: Request,
    response: Response,
    caller: CurrentPrincipal,
    viewer: CurrentViewer,
    handlers: Handlers,
    factory_id: Annotated[str, Query(min_length=1, max_length=64)],
    limit: Annotated[int, Query(ge=1, le=100, description="CAPs per page")] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=128,
                                        description="From the previous page's `X-Next-Cursor`")] = None,
) -> list[CapOut]:
    """A factory's CAPs, a page at a time: follow `Link: rel="next"` (or `X-Next-Cursor`) until it is absent."""
    caps, next_cursor = await handlers.caps_of_factory(caller, factory_id, limit=limit, after=cursor)
    link_next_page(request, response, next_cursor, limit)
    return [_out(cap, viewer) for cap in caps]


@router.get("/caps/{cap_id}", response_model=CapOut)
async def get_cap(cap_id: str, caller: CurrentPrincipal, viewer: CurrentViewer, handlers: Handlers) -> CapOut:
    return _out(await handlers.cap_for(caller, cap_id), viewer)


@router.post("/caps/{cap_id}/items/{item_id}/decisions", response_model=CapOut)
async def decide_item(
    cap_id: str, item_id: str, body: DecideItem, caller: CurrentPrincipal, viewer: CurrentViewer, handlers: Handlers
) -> CapOut:
    """Accept or reject the evidence submitted for an item; every linked member sees the result
    (another member's decision as a linked member's)."""
    return _out(await handlers.decide(caller, cap_id, item_id, body.decision, body.comment), viewer)


@router.put("/caps/{cap_id}/items/{item_id}/plan", response_model=CapOut)
async def write_plan(
    cap_id: str, item_id: str, body: WritePlan, caller: CurrentPrincipal, viewer: CurrentViewer, handlers: Handlers
) -> CapOut:
    """The factory of the CAP writes (or rewrites) its own plan for an item: root cause, action, owner and
    target date. A target date after the item's deadline is refused (422): ask for an extension first.
    Linked members read the plan in the CAP; others may not write it (403)."""
    return _out(await handlers.write_plan(caller, cap_id, item_id, body.root_cause, body.corrective_action,
                                          body.owner, body.target_date), viewer)


@router.post("/caps/{cap_id}/items/{item_id}/extensions", response_model=CapOut, status_code=201)
async def request_extension(
    cap_id: str, item_id: str, body: RequestExtension, caller: CurrentPrincipal, viewer: CurrentViewer,
    handlers: Handlers,
) -> CapOut:
    """The factory of the CAP asks for a later deadline for an item not yet done, saying why; one request
    waits at a time (409 otherwise). The request is in the item's `extensions`, pending until a linked member decides."""
    return _out(await handlers.request_extension(caller, cap_id, item_id, body.new_deadline, body.reason), viewer)


@router.post("/caps/{cap_id}/items/{item_id}/extensions/{extension_id}/decision", response_model=CapOut)
async def decide_extension(
    cap_id: str, item_id: str, extension_id: str, body: DecideExtension, caller: CurrentPrincipal,
    viewer: CurrentViewer, handlers: Handlers,
) -> CapOut:
    """A linked member grants (the item's deadline moves to the requested one) or refuses (a reason is required)
    an extension request. The first decision wins; a second is refused (409). Other members see the decision
    as a linked member's."""
    return _out(await handlers.decide_extension(caller, cap_id, item_id, extension_id, body.decision, body.reason),
                viewer)


@router.post("/overdue-scans", response_model=OverdueScanOut, include_in_schema=False)
async def scan_overdue(body: OverdueScan, caller: CurrentPrincipal, handlers: Handlers) -> OverdueScanOut:
    """Run the scheduled overdue check as of a chosen day: operators, development only (404 otherwise)."""
    return OverdueScanOut(as_of=body.as_of, items_flagged=await handlers.scan_overdue_as_of(caller, body.as_of))
