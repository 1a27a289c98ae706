"""HTTP routes of machine clients: translate only."""

from fastapi import APIRouter, Request, Response

from access_control.domain.clients import ApiClient
from access_control.entrypoints.http.deps import Clients, Cursor, PageLimit
from access_control.service_layer.paging import PAGE_LIMIT
from access_control.entrypoints.http.schemas import ClientOut, CreateClient, CreatedClientOut
from shared_audits.http import NEXT_PAGE_HEADERS, CurrentPrincipal, link_next_page

router = APIRouter(tags=["clients"])


def _client_out(client: ApiClient) -> dict:
    return {"client_id": client.id, "name": client.name, "scopes": client.scopes, "created_at": client.created_at,
            "revoked_at": client.revoked_at}


@router.post("/clients", response_model=CreatedClientOut, status_code=201)
async def create_client(body: CreateClient, caller: CurrentPrincipal, clients: Clients) -> CreatedClientOut:
    """A machine client of your organisation with scopes; it gets tokens through ``POST /token``."""
    created = await clients.create(caller, body.name, body.scopes)
    return CreatedClientOut(**_client_out(created.client), client_secret=created.client_secret)


@router.get("/clients", response_model=list[ClientOut], responses={200: {"description": "One page, in id order", "headers": NEXT_PAGE_HEADERS}})
async def list_clients(
    request: Request, response: Response, caller: CurrentPrincipal, clients: Clients,
    limit: PageLimit = PAGE_LIMIT, cursor: Cursor = None,
) -> list[ClientOut]:
    """The organisation's machine clients, a page at a time: follow `Link: rel="next"` until it is absent."""
    page, next_cursor = await clients.clients_of(caller, limit=limit, after=cursor)
    link_next_page(request, response, next_cursor, limit)
    return [ClientOut(**_client_out(client)) for client in page]


@router.delete("/clients/{client_id}", response_model=ClientOut)
async def revoke_client(client_id: str, caller: CurrentPrincipal, clients: Clients) -> ClientOut:
    return ClientOut(**_client_out(await clients.revoke(caller, client_id)))
