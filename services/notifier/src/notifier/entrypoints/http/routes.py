"""HTTP routes of notifier."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from notifier.service_layer.handlers import NotifierHandlers
from shared_audits.http import CurrentPrincipal

router = APIRouter(tags=["inbox"])


def _handlers(request: Request) -> NotifierHandlers:
    return request.app.state.notifier_handlers


Handlers = Annotated[NotifierHandlers, Depends(_handlers)]


class InboxEntryOut(BaseModel):
    event_id: str
    event_type: str
    factory_id: str
    occurred_at: datetime
    payload: dict


@router.get("/inbox", response_model=list[InboxEntryOut])
async def inbox(
    caller: CurrentPrincipal, handlers: Handlers, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[InboxEntryOut]:
    """The latest events about the caller's linked factories, newest first."""
    return [InboxEntryOut(**entry.model_dump()) for entry in await handlers.inbox_of(caller, limit)]
