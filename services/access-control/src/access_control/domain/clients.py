"""Machine clients: a member's own systems, with scopes, revocable."""

from __future__ import annotations

from datetime import datetime

from shared_audits.aggregate import Aggregate
from shared_audits.contracts.enums import ClientScope
from shared_audits.errors import InvalidRequestError, NotFoundError


class ApiClient(Aggregate):
    """``id`` is the client id; the secret is kept only as an argon2id hash."""

    organisation_id: str
    name: str
    scopes: list[ClientScope]
    secret_hash: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None = None

    @classmethod
    def create(
        cls, client_id: str, organisation_id: str, name: str, scopes: list[ClientScope], secret_hash: str,
        created_by: str, now: datetime,
    ) -> ApiClient:
        # A scoped token is restricted by its scopes; an empty list would read as "unrestricted".
        if not scopes:
            raise InvalidRequestError("a machine client needs at least one scope")
        return cls(
            id=client_id, organisation_id=organisation_id, name=name, scopes=sorted(set(scopes)),
            secret_hash=secret_hash, created_by=created_by, created_at=now,
        )

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self, now: datetime) -> None:
        if self.revoked:
            raise NotFoundError("no active client with this id")
        self.revoked_at = now
