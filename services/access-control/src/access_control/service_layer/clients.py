"""Use cases of machine clients: an organisation's admin creates scoped clients and revokes them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from access_control.domain.clients import ApiClient
from access_control.service_layer.paging import PAGE_LIMIT, page_of
from access_control.service_layer.permissions import may_administer
from access_control.service_layer.ports import ClientStore, Hasher
from shared_audits.auth import Principal
from shared_audits.contracts.enums import ClientScope
from shared_audits.errors import NotFoundError, PermissionDeniedError


@dataclass(frozen=True)
class CreatedClient:
    client: ApiClient
    client_secret: str


@dataclass
class MachineClients:
    clients: ClientStore
    hasher: Hasher
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def create(self, caller: Principal, name: str, scopes: list[ClientScope]) -> CreatedClient:
        if not may_administer(caller, caller.organisation_id):
            raise PermissionDeniedError("only an admin of the organisation creates clients")
        secret = self.hasher.new_secret()
        client = ApiClient.create(
            client_id=f"client-{uuid.uuid4().hex}", organisation_id=caller.organisation_id, name=name,
            scopes=scopes, secret_hash=self.hasher.hash(secret), created_by=caller.subject, now=self.clock(),
        )
        await self.clients.add(client)
        return CreatedClient(client, secret)

    async def clients_of(
        self, caller: Principal, limit: int = PAGE_LIMIT, after: str | None = None
    ) -> tuple[list[ApiClient], str | None]:
        """A page of the organisation's machine clients, and the cursor of the next page."""
        if not may_administer(caller, caller.organisation_id):
            raise PermissionDeniedError("only an admin of the organisation lists its clients")
        return await page_of(self.clients, limit, after, organisation_id=caller.organisation_id)

    async def revoke(self, caller: Principal, client_id: str) -> ApiClient:
        """A revoked client gets no new token; tokens it holds expire within their short lifetime."""
        client: ApiClient | None = await self.clients.get(client_id)
        if client is None or not may_administer(caller, client.organisation_id):
            raise NotFoundError("no active client with this id")
        client.revoke(self.clock())
        await self.clients.save(client)
        return client
