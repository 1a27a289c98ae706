"""Composition root of access-control: the one place that chooses the adapters and the subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor
from shared_audits.contracts import topics
from shared_audits.contracts.events import AuditMandated, FactoriesMerged, FactoryRegistered
from shared_audits.runtime import ServiceRuntime, SharedAdapters, build_runtime, create_app

from access_control.adapters.key_encryption import KeyEncryption
from access_control.adapters.known_factories import MongoKnownFactories
from access_control.adapters.login_rules import load_login_throttle_rules
from access_control.adapters.rules import load_accreditation_rules
from access_control.adapters.secrets import SecretHasher
from access_control.adapters.signing_keys import MongoSigningKeys
from access_control.config import Settings
from access_control.domain.clients import ApiClient
from access_control.domain.code_of_conduct import CodeOfConduct, CodeOfConductSignature
from access_control.domain.links import MemberFactoryLink
from access_control.domain.login_throttle import LoginThrottle
from access_control.domain.member_groups import MemberGroup
from access_control.domain.model import Organisation
from access_control.domain.sessions import RefreshSession
from access_control.domain.users import User
from access_control.entrypoints.http import ROUTERS
from access_control.service_layer.clients import MachineClients
from access_control.service_layer.code_of_conduct import CodeOfConductHandlers
from access_control.service_layer.handlers import AccessControl
from access_control.service_layer.keys import KeyRotation
from access_control.service_layer.links import MemberFactoryLinks
from access_control.service_layer.login_throttle import ThrottledLogin
from access_control.service_layer.member_groups import MemberGroupHandlers
from access_control.service_layer.merges import SiteMerges
from access_control.service_layer.ports import (
    ClientStore,
    CodeOfConductStore,
    Hasher,
    KnownFactoryProjection,
    LinkStore,
    MemberGroupStore,
    OrganisationStore,
    SessionStore,
    SignatureStore,
    SigningKeys,
    UserStore,
)
from access_control.service_layer.tokens import TokenIssuer
from access_control.service_layer.users import UserAccounts

PREFIX = "/access"


@dataclass
class Adapters:
    """Every adapter the handlers need. ``build_app`` builds the real ones (MongoDB, argon2id)
    unless given these; ``shared``: the runtime's own (links, merges, member groups, relay...),
    the unit tests' ``InMemorySharedAdapters``."""

    organisations: OrganisationStore
    links: LinkStore
    clients: ClientStore
    users: UserStore
    sessions: SessionStore
    codes: CodeOfConductStore
    signatures: SignatureStore
    member_groups: MemberGroupStore
    known_factories: KnownFactoryProjection
    signing_keys: SigningKeys
    hasher: Hasher
    shared: SharedAdapters | None = None


def build_app(
    settings: Settings | None = None,
    adapters: Adapters | None = None,
    span_processors: list[SpanProcessor] | None = None,
) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(settings, produced_topics=[topics.ACCESS], span_processors=span_processors,
                            shared=adapters.shared if adapters else None)
    adapters = adapters or _real_adapters(runtime, settings)
    tokens = TokenIssuer(adapters.signing_keys, settings.token_issuer, settings.token_audience,
                         settings.token_ttl_seconds)
    access_control = AccessControl(
        organisations=adapters.organisations,
        clients=adapters.clients,
        known_factories=adapters.known_factories,
        hasher=adapters.hasher,
        tokens=tokens,
        accreditation_rules=load_accreditation_rules(settings.accreditation_rules),
        clock_override_allowed=settings.clock_override_allowed,
    )
    user_accounts = UserAccounts(
        users=adapters.users,
        sessions=adapters.sessions,
        organisations=adapters.organisations,
        hasher=adapters.hasher,
        tokens=tokens,
        invitation_ttl=timedelta(seconds=settings.invitation_ttl_seconds),
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
    )
    key_rotation = KeyRotation(
        adapters.signing_keys,
        activation_delay=timedelta(seconds=settings.signing_key_activation_delay_seconds),
        token_lifetime=timedelta(seconds=settings.token_ttl_seconds + settings.token_leeway_seconds),
    )
    site_merges = SiteMerges(links=adapters.links, organisations=adapters.organisations, users=adapters.users,
                             signatures=adapters.signatures)

    # Subscriptions (the topics consumed follow from them): the projections every service keeps,
    # the sites factory-registry announces (new links need a known, unmerged site), the mandates
    # that count towards an audit company's accreditation, and the merges of two sites. No jobs.
    runtime.follow_links_groups_and_merges()
    runtime.consumer.on(FactoryRegistered, adapters.known_factories.apply_registered)
    runtime.consumer.on(AuditMandated, access_control.count_mandate)
    runtime.consumer.on(FactoriesMerged, adapters.known_factories.apply_merged)
    runtime.consumer.on(FactoriesMerged, site_merges.apply_merged)

    async def start() -> None:
        """The first signing key on a new platform, and the operator's first machine client."""
        await key_rotation.ensure_key()
        await access_control.ensure_operator(settings.operator_client_id, settings.operator_client_secret)

    runtime.startup_hooks.append(start)
    app = create_app(runtime, title="access-control", prefix=PREFIX, routers=ROUTERS)
    app.state.access_control = access_control
    app.state.member_factory_links = MemberFactoryLinks(adapters.links, adapters.organisations,
                                                        adapters.known_factories)
    app.state.user_accounts = user_accounts
    app.state.machine_clients = MachineClients(adapters.clients, adapters.hasher)
    app.state.code_of_conduct = CodeOfConductHandlers(adapters.codes, adapters.signatures, adapters.organisations)
    app.state.member_group_handlers = MemberGroupHandlers(adapters.member_groups, adapters.organisations)
    app.state.key_rotation = key_rotation
    app.state.throttled_login = ThrottledLogin(access_control, LoginThrottle(load_login_throttle_rules()))
    return app


def _real_adapters(runtime: ServiceRuntime, settings: Settings) -> Adapters:
    """MongoDB stores and projections, the sealed signing keys, argon2id; their indexes are made at start."""
    assert runtime.database is not None
    organisations = runtime.store("organisations", Organisation)
    links = runtime.store("member_factory_links_source", MemberFactoryLink)
    clients = runtime.store("api_clients", ApiClient)
    users = runtime.store("users", User)
    sessions = runtime.store("refresh_sessions", RefreshSession)
    signatures = runtime.store("code_of_conduct_signatures", CodeOfConductSignature)

    async def prepare() -> None:
        await organisations.collection.create_index("client_id", unique=True)
        await organisations.collection.create_index([("kind", 1), ("_id", 1)])  # the directory, one kind a page
        await links.collection.create_index([("member_id", 1), ("active", 1)])
        await links.collection.create_index([("factory_id", 1), ("active", 1), ("_id", 1)])  # a merge moves a site's links
        await links.collection.create_index([("member_id", 1), ("status", 1)])  # a member's pending requests
        await links.collection.create_index([("factory_id", 1), ("status", 1), ("_id", 1)])  # a site's requests
        await links.collection.create_index([("status", 1), ("_id", 1)])  # the operator's list of requests
        await links.collection.create_index("request_id")
        await clients.collection.create_index("organisation_id")
        await users.collection.create_index("email", unique=True)
        await users.collection.create_index("invitation_token_hash")
        await users.collection.create_index("organisation_id")
        await sessions.collection.create_index("user_id")
        await signatures.collection.create_index("organisation_id")
        for store in (organisations, users, signatures):  # a merge re-points a site's records
            await store.collection.create_index("factory_id")

    runtime.startup_hooks.append(prepare)
    return Adapters(
        organisations=organisations, links=links, clients=clients, users=users, sessions=sessions,
        codes=runtime.store("code_of_conduct_versions", CodeOfConduct), signatures=signatures,
        member_groups=runtime.store("member_groups_source", MemberGroup),
        known_factories=MongoKnownFactories(runtime.database["known_factories"]),
        signing_keys=MongoSigningKeys(
            runtime.database["signing_keys"],
            KeyEncryption(settings.signing_key_encryption_key, settings.signing_key_encryption_previous_keys),
        ),
        hasher=SecretHasher(),
    )
