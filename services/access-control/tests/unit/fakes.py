"""In-memory fakes of access-control's ports (service_layer/ports.py) for the unit tests, a clock moved by hand,
and calls to the app built on fakes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from access_control.adapters.signing_keys import NoSigningKeyError, SigningKey
from access_control.domain.known_factories import KnownFactory
from access_control.domain.signing_keys import KeyLifecycle, rotation, signing_key
from shared_audits.auth import Principal
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import FactoriesMerged, FactoryRegistered
from shared_audits.testing import InMemorySharedAdapters, factory_account, member, operator
from shared_audits.testing.app import RunningApp

# A site factory-registry announced: the app over fakes knows it from the start.
KNOWN_SITE = "f-1"


class PlainHasher:
    """Stands in for argon2 so the tests stay fast; the real one is used in integration."""

    def __init__(self) -> None:
        self.secrets_made = 0

    def new_secret(self) -> str:
        self.secrets_made += 1
        return f"secret-{self.secrets_made}"

    def hash(self, secret: str) -> str:
        return f"hashed:{secret}"

    def verify(self, secret_hash: str, secret: str) -> bool:
        return secret_hash == f"hashed:{secret}"

    def verify_nothing(self, secret: str) -> None:
        pass


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class InMemoryKnownFactories:
    """The sites announced (``factory_ids``) and the merged ones (``merged``: merged id -> surviving id)."""

    def __init__(self, factory_ids: set[str] | None = None) -> None:
        self.factory_ids = set(factory_ids or ())
        self.merged: dict[str, str] = {}

    async def get(self, factory_id: str) -> KnownFactory | None:
        if factory_id not in self.factory_ids and factory_id not in self.merged:
            return None
        return KnownFactory(factory_id, self.merged.get(factory_id))

    async def apply_registered(self, event: FactoryRegistered, envelope: EventEnvelope) -> None:
        self.factory_ids.add(event.factory_id)

    async def apply_merged(self, event: FactoriesMerged, envelope: EventEnvelope) -> None:
        self.merged[event.merged_factory_id] = event.factory_id


class InMemorySigningKeys:
    """Signing keys held in memory: the same lifecycle rules, no storage and no sealing."""

    def __init__(self) -> None:
        self.keys: dict[str, SigningKey] = {}
        self.records: list[KeyLifecycle] = []

    async def ensure_key(self, now: datetime) -> None:
        if not self.records:
            key = SigningKey.generate()
            self.keys[key.kid] = key
            self.records.append(KeyLifecycle(key.kid, now, now))

    async def lifecycles(self) -> list[KeyLifecycle]:
        return list(self.records)

    async def signer(self, now: datetime) -> SigningKey:
        current = signing_key(self.records, now)
        if current is None:
            raise NoSigningKeyError("no signing key is active")
        return self.keys[current.kid]

    async def rotate(self, now: datetime, activation_delay: timedelta, token_lifetime: timedelta) -> KeyLifecycle:
        self.records = [record for record in self.records if record.published(now)]
        key = SigningKey.generate()
        self.keys[key.kid] = key
        new_key = rotation(self.records, key.kid, now, activation_delay, token_lifetime)
        self.records.append(new_key)
        return new_key

    async def jwks(self, now: datetime) -> dict[str, list[dict[str, str]]]:
        return {"keys": [self.keys[r.kid].public_jwk() for r in self.records if r.published(now)]}


# Calls to the app over fakes (test_routes.py, test_subscribers.py)


async def call(app: RunningApp, shared: InMemorySharedAdapters, caller: Principal, method: str, path: str,
               **kwargs):
    return await app.client.request(method, f"/access{path}", headers=shared.token_verifier.headers(caller),
                                    **kwargs)


async def register(app: RunningApp, shared: InMemorySharedAdapters, name: str, kind: OrganisationKind,
                   factory_id: str | None = None) -> Principal:
    """A member or factory organisation registered by the operator, and its admin as a caller."""
    answer = await call(app, shared, operator(), "POST", "/organisations",
                        json={"name": name, "kind": kind, "factory_id": factory_id})
    assert answer.status_code == 201, answer.text
    organisation_id = answer.json()["organisation_id"]
    if kind == OrganisationKind.FACTORY:
        return replace(factory_account(str(factory_id)), organisation_id=organisation_id)
    return member(organisation_id)
