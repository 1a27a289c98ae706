"""Use cases of access-control: register organisations, issue tokens, link factories."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from access_control.domain.model import MemberFactoryLink, Organisation
from shared_audits.auth import Principal
from shared_audits.contracts.enums import LinkRelationship, OrganisationKind
from shared_audits.errors import NotFoundError, PermissionDeniedError, UnauthenticatedError


class Store(Protocol):
    async def get(self, aggregate_id: str): ...
    async def find(self, limit: int = 500, **equals): ...
    async def add(self, aggregate) -> None: ...
    async def save(self, aggregate) -> None: ...


class KnownFactories(Protocol):
    async def exists(self, factory_id: str) -> bool: ...


class Hasher(Protocol):
    def new_secret(self) -> str: ...
    def hash(self, secret: str) -> str: ...
    def verify(self, secret_hash: str, secret: str) -> bool: ...


class TokenSigner(Protocol):
    def sign(self, claims: dict) -> str: ...


@dataclass(frozen=True)
class RegisteredOrganisation:
    organisation: Organisation
    client_secret: str


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


@dataclass
class AccessControl:
    organisations: Store
    links: Store
    known_factories: KnownFactories
    hasher: Hasher
    signer: Callable[[], TokenSigner]
    issuer: str
    audience: str
    token_ttl_seconds: int
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def register_organisation(
        self, caller: Principal, name: str, kind: OrganisationKind, factory_id: str | None
    ) -> RegisteredOrganisation:
        if not caller.is_operator:
            raise PermissionDeniedError("only the platform operator registers organisations")
        if factory_id and not await self.known_factories.exists(factory_id):
            raise NotFoundError(f"factory {factory_id} is not registered")
        secret = self.hasher.new_secret()
        organisation = Organisation.register(
            organisation_id=str(uuid.uuid4()),
            name=name,
            kind=kind,
            factory_id=factory_id,
            client_id=f"client-{uuid.uuid4().hex}",
            client_secret_hash=self.hasher.hash(secret),
            now=self.clock(),
        )
        await self.organisations.add(organisation)
        return RegisteredOrganisation(organisation, secret)

    async def ensure_operator(self, client_id: str, client_secret: str) -> None:
        """Create the operator's first client on a new platform; later starts leave it alone."""
        if await self.organisations.find(limit=1, client_id=client_id):
            return
        organisation = Organisation.register(
            organisation_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"operator:{client_id}")),
            name="Platform operator",
            kind=OrganisationKind.OPERATOR,
            factory_id=None,
            client_id=client_id,
            client_secret_hash=self.hasher.hash(client_secret),
            now=self.clock(),
        )
        try:
            await self.organisations.add(organisation)
        except Exception:  # noqa: BLE001 - another instance created it at the same moment
            if not await self.organisations.find(limit=1, client_id=client_id):
                raise

    async def issue_token(self, client_id: str, client_secret: str) -> IssuedToken:
        found = await self.organisations.find(limit=1, client_id=client_id)
        if not found or not self.hasher.verify(found[0].client_secret_hash, client_secret):
            raise UnauthenticatedError("unknown client or wrong secret")
        organisation: Organisation = found[0]
        now = self.clock()
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": organisation.client_id,
            "org": organisation.id,
            "org_kind": organisation.kind.value,
            "roles": organisation.roles(),
            "iat": now,
            "nbf": now,
            "exp": now + timedelta(seconds=self.token_ttl_seconds),
            "jti": uuid.uuid4().hex,
        }
        if organisation.factory_id:
            claims["factory_id"] = organisation.factory_id
        return IssuedToken(self.signer().sign(claims), self.token_ttl_seconds)

    async def organisation_of(self, caller: Principal) -> Organisation:
        organisation = await self.organisations.get(caller.organisation_id)
        if organisation is None:
            raise NotFoundError("organisation not found")
        return organisation

    async def link_factory(
        self, caller: Principal, factory_id: str, relationship: LinkRelationship
    ) -> MemberFactoryLink:
        if not caller.is_member:
            raise PermissionDeniedError("only members link factories")
        if not await self.known_factories.exists(factory_id):
            raise NotFoundError(f"factory {factory_id} not found")
        link = await self.links.get(MemberFactoryLink.id_for(caller.organisation_id, factory_id))
        if link is None:
            link = MemberFactoryLink.create(caller.organisation_id, factory_id, relationship, self.clock())
            await self.links.add(link)
        else:
            link.relink(relationship, self.clock())
            await self.links.save(link)
        return link

    async def unlink_factory(self, caller: Principal, factory_id: str) -> MemberFactoryLink:
        if not caller.is_member:
            raise PermissionDeniedError("only members unlink factories")
        link = await self.links.get(MemberFactoryLink.id_for(caller.organisation_id, factory_id))
        if link is None:
            raise NotFoundError("no link to this factory")
        link.unlink(self.clock())
        await self.links.save(link)
        return link

    async def links_of(self, caller: Principal) -> list[MemberFactoryLink]:
        if not caller.is_member:
            raise PermissionDeniedError("only members have factory links")
        return await self.links.find(member_id=caller.organisation_id, active=True)
