"""HTTP routes of member-factory links: a member asks, the factory (or the operator for it) answers. Translate only."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from access_control.domain.links import MemberFactoryLink
from access_control.entrypoints.http.deps import Cursor, Links, PageLimit
from access_control.entrypoints.http.schemas import (
    AnswerLinkRequest,
    FactoryLinkOut,
    LinkFactory,
    LinkHistoryOut,
    LinkOut,
    LinkRequestOut,
)
from access_control.service_layer.links import LinkRequestView
from access_control.service_layer.paging import PAGE_LIMIT
from shared_audits.http import NEXT_PAGE_HEADERS, CurrentPrincipal, link_next_page
from shared_audits.problems import problems

router = APIRouter(tags=["links"])

UNAUTHENTICATED = {401: "No valid bearer token"}
MEMBER_WRITES = {**UNAUTHENTICATED, 403: "Not a member; a member's machine client without the scope links:write"}
MEMBER_READS = {**UNAUTHENTICATED, 403: "Not a member; a member's machine client without the scope links:read"}
ANSWERING = {**UNAUTHENTICATED,
             403: "Neither an admin of the factory nor the operator (nor a factory client with the scope links:write)",
             404: "No such request to the caller's site",
             409: "The request was already answered or withdrawn",
             422: "The operator gave no reason; a bad body"}
FACTORY_ONLY = {**UNAUTHENTICATED, 403: "Not an admin of a factory"}
REQUESTED = {
    200: {"model": LinkOut, "description": "The link was active: its relationship changed at once"},
    202: {"description": "The request waits for the factory (`status` requested); asking again while it "
                         "is pending answers the same request"},
}


def _link_out(link: MemberFactoryLink) -> LinkOut:
    return LinkOut(member_id=link.member_id, factory_id=link.factory_id, relationship=link.relationship,
                   active=link.active, status=link.status, request_id=link.request_id, since=link.since)


def _request_out(view: LinkRequestView) -> LinkRequestOut:
    link = view.link
    return LinkRequestOut(request_id=link.request_id or "", member_id=link.member_id, member_name=view.member_name,
                          factory_id=link.factory_id, relationship=link.relationship, status=link.status,
                          requested_at=link.requested_at, since=link.since)


def _factory_link_out(view: LinkRequestView) -> FactoryLinkOut:
    return FactoryLinkOut(member_id=view.link.member_id, member_name=view.member_name,
                          relationship=view.link.relationship, since=view.link.since)


# the member's side


@router.post("/links", response_model=LinkOut, status_code=202,
             responses={**REQUESTED, **problems({
                 **MEMBER_WRITES,
                 404: "No such site (or one merged into another)",
                 409: "Already linked with that relationship; a request for another relationship is pending",
                 422: "A bad body (one entry per field in `errors`)"})})
async def request_link(body: LinkFactory, caller: CurrentPrincipal, links: Links, response: Response) -> LinkOut:
    """A member asks to link to a site it found in the search.

    Nothing of the site opens to the member until the factory (or the operator on its behalf)
    accepts: until then it sees the site's search card only, and the site's data answers 404.
    """
    link = await links.request_link(caller, body.factory_id, body.relationship)
    if link.active:
        response.status_code = 200
    return _link_out(link)


@router.delete("/links/{factory_id}", response_model=LinkOut,
               responses=problems({**MEMBER_WRITES, 404: "No active link and no pending request to this site"}))
async def end_or_withdraw(factory_id: str, caller: CurrentPrincipal, links: Links) -> LinkOut:
    """The member ends its link (status ended), or withdraws its pending request (status withdrawn)."""
    return _link_out(await links.withdraw_or_end(caller, factory_id))


@router.get("/links", response_model=list[LinkOut], responses=problems(MEMBER_READS))
async def my_links(caller: CurrentPrincipal, links: Links) -> list[LinkOut]:
    """The member's active links, then its pending requests (`status` requested)."""
    return [_link_out(link) for link in await links.links_of(caller)]


@router.get("/links/{factory_id}/history", response_model=LinkHistoryOut,
            responses=problems({**UNAUTHENTICATED, 403: "A member's machine client without the scope links:read",
                                404: "The member never asked to link to this site (or the caller is no member)"}))
async def link_history(factory_id: str, caller: CurrentPrincipal, links: Links) -> LinkHistoryOut:
    """Every step of the member's own link to one site: requests, answers (with their messages), ends."""
    link = await links.link_history(caller, factory_id)
    return LinkHistoryOut(**_link_out(link).model_dump(), history=[change.model_dump() for change in link.history])


# the factory's side, or the operator's on its behalf


@router.get("/link-requests", response_model=list[LinkRequestOut],
            responses={200: {"description": "One page, in link order", "headers": NEXT_PAGE_HEADERS},
                       **problems({**UNAUTHENTICATED, 403: "Neither an admin of a factory nor the operator",
                                   422: "A bad factory_id, limit or cursor"})})
async def link_requests(
    request: Request, response: Response, caller: CurrentPrincipal, links: Links,
    factory_id: Annotated[str | None, Query(min_length=1, max_length=64,
                                            description="Operator: the requests to this site only")] = None,
    limit: PageLimit = PAGE_LIMIT, cursor: Cursor = None,
) -> list[LinkRequestOut]:
    """The pending link requests to the factory's own site, with the requesting member's name,
    a page at a time: follow `Link: rel="next"` until it is absent.

    The operator sees every site's pending requests (`factory_id` narrows), to answer for a
    factory that cannot.
    """
    page, next_cursor = await links.link_requests(caller, factory_id, limit=limit, after=cursor)
    link_next_page(request, response, next_cursor, limit)
    return [_request_out(view) for view in page]


@router.post("/link-requests/{request_id}/accept", response_model=LinkRequestOut, responses=problems(ANSWERING))
async def accept(request_id: str, caller: CurrentPrincipal, links: Links,
                 body: AnswerLinkRequest | None = None) -> LinkRequestOut:
    """The factory accepts: the link becomes active (FactoryLinked) and the member sees the site's data.

    The operator may accept on the factory's behalf, with a `reason` (required, recorded in the
    link's history and in LinkRequestAccepted).
    """
    body = body or AnswerLinkRequest()
    return _request_out(await links.accept(caller, request_id, body.reason, body.message))


@router.post("/link-requests/{request_id}/decline", response_model=LinkRequestOut, responses=problems(ANSWERING))
async def decline(request_id: str, caller: CurrentPrincipal, links: Links,
                  body: AnswerLinkRequest | None = None) -> LinkRequestOut:
    """The factory declines (LinkRequestDeclined, to the requesting member alone, with the `message`).

    The member may ask again later. The operator may decline for the factory, with a `reason`.
    """
    body = body or AnswerLinkRequest()
    return _request_out(await links.decline(caller, request_id, body.reason, body.message))


@router.get("/factory-links", response_model=list[FactoryLinkOut],
            responses={200: {"description": "One page, in link order", "headers": NEXT_PAGE_HEADERS},
                       **problems({**FACTORY_ONLY, 422: "A bad limit or cursor"})})
async def factory_links(
    request: Request, response: Response, caller: CurrentPrincipal, links: Links,
    limit: PageLimit = PAGE_LIMIT, cursor: Cursor = None,
) -> list[FactoryLinkOut]:
    """The members linked to the factory's own site, by name, a page at a time (`Link: rel="next"`)."""
    page, next_cursor = await links.factory_links(caller, limit=limit, after=cursor)
    link_next_page(request, response, next_cursor, limit)
    return [_factory_link_out(view) for view in page]


@router.delete("/factory-links/{member_id}", response_model=LinkOut,
               responses=problems({**FACTORY_ONLY, 404: "This member has no active link to the caller's site"}))
async def end_by_factory(member_id: str, caller: CurrentPrincipal, links: Links) -> LinkOut:
    """The factory ends a member's link to its site (FactoryUnlinked): the member loses access at once."""
    return _link_out(await links.end_by_factory(caller, member_id))
