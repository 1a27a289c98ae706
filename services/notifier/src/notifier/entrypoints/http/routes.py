"""HTTP routes of notifier."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from notifier.entrypoints.http.paging import CURSOR_DESCRIPTION
from notifier.entrypoints.http.schemas import InboxEntryOut
from notifier.service_layer.handlers import NotifierHandlers
from shared_audits.http import NEXT_PAGE_HEADERS, CurrentPrincipal, link_next_page

router = APIRouter(tags=["inbox"])


def _handlers(request: Request) -> NotifierHandlers:
    return request.app.state.notifier_handlers


Handlers = Annotated[NotifierHandlers, Depends(_handlers)]


@router.get("/inbox", response_model=list[InboxEntryOut],
            responses={200: {"description": "One page of the inbox, newest first", "headers": NEXT_PAGE_HEADERS}})
async def inbox(
    request: Request,
    response: Response,
    caller: CurrentPrincipal,
    handlers: Handlers,
    limit: Annotated[int, Query(ge=1, le=500, description="Entries per page")] = 100,
    cursor: Annotated[str | None, Query(min_length=1, max_length=128, description=CURSOR_DESCRIPTION)] = None,
) -> list[InboxEntryOut]:
    """The events about the caller's linked factories, newest first, a page at a time: follow
    `Link: rel="next"` (or `X-Next-Cursor`) until it is absent."""
    entries, next_cursor = await handlers.inbox_of(caller, limit, cursor)
    link_next_page(request, response, next_cursor, limit)
    return [InboxEntryOut(**entry.model_dump()) for entry in entries]
