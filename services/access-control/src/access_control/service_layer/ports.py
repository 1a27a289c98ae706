"""What access-control's handlers need from the outside world: each port, its adapter in adapters/,
its fake in tests/unit/fakes.py (the aggregate store's in shared_audits.testing)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from access_control.domain.clients import ApiClient
from access_control.domain.known_factories import KnownFactory
from access_control.domain.code_of_conduct import CodeOfConduct, CodeOfConductSignature
from access_control.domain.links import MemberFactoryLink
from access_control.domain.member_groups import MemberGroup
from access_control.domain.model import Organisation
from access_control.domain.sessions import RefreshSession
from access_control.domain.signing_keys import KeyLifecycle
from access_control.domain.users import User
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoriesMerged, FactoryRegistered
from shared_audits.store import AggregateStore, ReassignableStore

# the aggregates access-control keeps, one store each

OrganisationStore = AggregateStore[Organisation]
ClientStore = AggregateStore[ApiClient]
UserStore = AggregateStore[User]
SessionStore = AggregateStore[RefreshSession]
LinkStore = AggregateStore[MemberFactoryLink]
MemberGroupStore = AggregateStore[MemberGroup]
CodeOfConductStore = AggregateStore[CodeOfConduct]
SignatureStore = AggregateStore[CodeOfConductSignature]
SiteRecords = ReassignableStore  # the records a merge of two sites re-points (merges.py)


# the sites factory-registry announced (FactoryRegistered, FactoriesMerged: the subscriptions in bootstrap.py)


class KnownFactories(Protocol):
    async def get(self, factory_id: str) -> KnownFactory | None: ...


class KnownFactoryProjection(KnownFactories, Protocol):
    async def apply_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None: ...
    async def apply_merged(self, event: FactoriesMerged, envelope: EventEnvelope) -> None: ...


# secrets, passwords and signed tokens


class Hasher(Protocol):
    def new_secret(self) -> str: ...
    def hash(self, secret: str) -> str: ...
    def verify(self, secret_hash: str, secret: str) -> bool: ...
    def verify_nothing(self, secret: str) -> None: ...


class TokenSigner(Protocol):
    kid: str

    def sign(self, claims: dict) -> str: ...


class SigningKeys(Protocol):
    async def ensure_key(self, now: datetime) -> None: ...
    async def signer(self, now: datetime) -> TokenSigner: ...
    async def rotate(self, now: datetime, activation_delay: timedelta, token_lifetime: timedelta) -> KeyLifecycle: ...
    async def lifecycles(self) -> list[KeyLifecycle]: ...
    async def jwks(self, now: datetime) -> dict: ...
