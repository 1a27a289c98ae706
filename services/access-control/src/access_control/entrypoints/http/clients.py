"""HTTP routes of machine clients: translate only."""

from fastapi import APIRouter

from access_control.domain.clients import ApiClient
from access_control.entrypoints.http.deps import Clients
from access_control.entrypoints.http.schemas import ClientOut, CreateClient, CreatedClientOut
from shared_audits.http import CurrentPrincipal

router = APIRouter(tags=["clients"])


def _client_out(client: ApiClient) -> dict:
    return {"client_id": client.id, "name": client.name, "scopes": client.scopes, "created_at": client.created_at,
            "revoked_at": client.revoked_at}


@router.post("/clients", response_model=CreatedClientOut, status_code=201)
async def create_client(body: CreateClient, caller: CurrentPrincipal, clients: Clients) -> CreatedClientOut:
    """A machine client of your organisation with scopes; it gets tokens through ``POST /token``."""
    created = await clients.create(caller, body.name, body.scopes)
    return CreatedClientOut(**_client_out(created.client), client_secret=created.client_secret)


@router.get("/clients", response_model=list[ClientOut])
async def list_clients(caller: CurrentPrincipal, clients: Clients) -> list[ClientOut]:
    return [ClientOut(**_client_out(client)) for client in await clients.clients_of(caller)]


@router.delete("/clients/{client_id}", response_model=ClientOut)
async def revoke_client(client_id: str, caller: CurrentPrincipal, clients: Clients) -> ClientOut:
    return ClientOut(**_client_out(await clients.revoke(caller, client_id)))
