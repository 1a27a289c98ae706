"""Fixtures of access-control's unit tests: the handlers over in-memory fakes (one clock, one key store),
and the whole app over fakes."""

from collections.abc import AsyncIterator
from datetime import timedelta

import jwt
import pytest

from access_control.adapters.rules import load_accreditation_rules
from access_control.bootstrap import Adapters, build_app
from access_control.config import Settings
from access_control.service_layer.clients import MachineClients
from access_control.service_layer.code_of_conduct import CodeOfConductHandlers
from access_control.service_layer.handlers import AccessControl
from access_control.service_layer.keys import KeyRotation
from access_control.service_layer.links import MemberFactoryLinks
from access_control.service_layer.tokens import TokenIssuer
from access_control.service_layer.users import UserAccounts
from shared_audits.testing import InMemoryAggregateStore, InMemorySharedAdapters
from shared_audits.testing.app import RunningApp, running

from .fakes import KNOWN_SITE, Clock, InMemoryKnownFactories, InMemorySigningKeys, PlainHasher

TOKEN_TTL = 60


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def keys(clock: Clock) -> InMemorySigningKeys:
    keys = InMemorySigningKeys()
    await keys.ensure_key(clock())
    return keys


@pytest.fixture
def hasher() -> PlainHasher:
    return PlainHasher()


@pytest.fixture
def tokens(keys: InMemorySigningKeys, clock: Clock) -> TokenIssuer:
    return TokenIssuer(keys, "test-issuer", "test-audience", TOKEN_TTL, clock=clock)


@pytest.fixture
def organisations() -> InMemoryAggregateStore:
    return InMemoryAggregateStore()


@pytest.fixture
def access(organisations, hasher, tokens, clock) -> AccessControl:
    return AccessControl(
        organisations=organisations,
        clients=InMemoryAggregateStore(),
        known_factories=InMemoryKnownFactories({"f-1"}),
        hasher=hasher,
        tokens=tokens,
        accreditation_rules=load_accreditation_rules(),
        clock=clock,
    )


@pytest.fixture
def links(access: AccessControl, clock) -> MemberFactoryLinks:
    """Links over the same organisations and known sites as ``access``; request ids r-1, r-2, ..."""
    made = iter(range(1, 1000))
    return MemberFactoryLinks(links=InMemoryAggregateStore(), organisations=access.organisations,
                              known_factories=access.known_factories, clock=clock,
                              new_id=lambda: f"r-{next(made)}")


@pytest.fixture
def machine_clients(access: AccessControl, hasher, clock) -> MachineClients:
    return MachineClients(access.clients, hasher, clock=clock)


@pytest.fixture
def users(organisations, hasher, tokens, clock) -> UserAccounts:
    return UserAccounts(
        users=InMemoryAggregateStore(),
        sessions=InMemoryAggregateStore(),
        organisations=organisations,
        hasher=hasher,
        tokens=tokens,
        invitation_ttl=timedelta(hours=72),
        refresh_ttl=timedelta(days=14),
        clock=clock,
    )


@pytest.fixture
def codes(organisations, clock) -> CodeOfConductHandlers:
    return CodeOfConductHandlers(InMemoryAggregateStore(), InMemoryAggregateStore(), organisations, clock=clock)


@pytest.fixture
def rotation(keys, clock) -> KeyRotation:
    return KeyRotation(keys, activation_delay=timedelta(seconds=12),
                       token_lifetime=timedelta(seconds=TOKEN_TTL + 60), clock=clock)


@pytest.fixture
def decode(keys: InMemorySigningKeys, clock: Clock):
    """Verify a token as another service would, against the published keys at the test clock's time."""

    async def decode(token: str) -> dict:
        kid = jwt.get_unverified_header(token)["kid"]
        published = {jwk["kid"]: jwk for jwk in (await keys.jwks(clock()))["keys"]}
        if kid not in published:
            raise LookupError(f"key {kid} is not published")
        public = jwt.PyJWK(published[kid]).key
        # The test clock is not the wall clock: times are checked by the tests themselves.
        return jwt.decode(token, public, algorithms=["EdDSA"], audience="test-audience", issuer="test-issuer",
                          options={"verify_exp": False, "verify_nbf": False, "verify_iat": False})

    return decode


@pytest.fixture
def shared() -> InMemorySharedAdapters:
    """The runtime's own adapters in memory: links, merged ids, member groups, dead letters, tokens."""
    return InMemorySharedAdapters()


@pytest.fixture
def adapters(shared: InMemorySharedAdapters) -> Adapters:
    return Adapters(
        organisations=shared.store(), links=shared.store(), clients=shared.store(), users=shared.store(),
        sessions=shared.store(), codes=shared.store(), signatures=shared.store(), member_groups=shared.store(),
        known_factories=InMemoryKnownFactories({KNOWN_SITE}), signing_keys=InMemorySigningKeys(),
        hasher=PlainHasher(), shared=shared,
    )


@pytest.fixture
async def app(adapters: Adapters) -> AsyncIterator[RunningApp]:
    """access-control in process: its routes and subscriptions over the fakes, on TestKafkaBroker."""
    async with running(build_app(Settings(), adapters=adapters)) as service:
        yield service
