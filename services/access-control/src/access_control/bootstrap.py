"""Composition root: the one place that builds access-control's real adapters."""

from fastapi import FastAPI

from access_control.adapters.known_factories import MongoKnownFactories
from access_control.adapters.login_rules import load_login_throttle_rules
from access_control.adapters.secrets import SecretHasher
from access_control.adapters.signing_keys import MongoSigningKeys
from access_control.config import Settings
from access_control.domain.login_throttle import LoginThrottle
from access_control.domain.model import MemberFactoryLink, Organisation
from access_control.entrypoints.http.routes import router
from access_control.service_layer.handlers import AccessControl
from access_control.service_layer.login_throttle import ThrottledLogin
from shared_audits.contracts import topics
from shared_audits.contracts.events import FactoryRegistered
from shared_audits.runtime import build_runtime, create_app

PREFIX = "/access"


def build_app(settings: Settings | None = None, span_processors: list | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(
        settings,
        produced_topics=[topics.ACCESS],
        consumed_topics=[topics.REGISTRY],
        span_processors=span_processors,
    )
    organisations = runtime.store("organisations", Organisation)
    links = runtime.store("member_factory_links_source", MemberFactoryLink)
    known_factories = MongoKnownFactories(runtime.database["known_factories"])
    signing_keys = MongoSigningKeys(runtime.database["signing_keys"])
    access_control = AccessControl(
        organisations=organisations,
        links=links,
        known_factories=known_factories,
        hasher=SecretHasher(),
        signer=signing_keys.active,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        token_ttl_seconds=settings.token_ttl_seconds,
    )
    runtime.consumer.on(FactoryRegistered, known_factories.apply_registered)

    async def prepare() -> None:
        await organisations.collection.create_index("client_id", unique=True)
        await links.collection.create_index([("member_id", 1), ("active", 1)])
        await signing_keys.ensure_active_key()
        await access_control.ensure_operator(settings.operator_client_id, settings.operator_client_secret)

    runtime.startup_hooks.append(prepare)
    app = create_app(runtime, title="access-control", prefix=PREFIX, routers=[router])
    app.state.access_control = access_control
    app.state.throttled_login = ThrottledLogin(access_control, LoginThrottle(load_login_throttle_rules()))
    app.state.signing_keys = signing_keys
    return app
