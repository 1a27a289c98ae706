"""Composition root of factory-registry: the one place that chooses the adapters and the subscriptions."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor
from shared_audits.contracts import topics
from shared_audits.contracts.enums import ClientScope
from shared_audits.http import ServiceScopes
from shared_audits.runtime import ServiceRuntime, SharedAdapters, build_runtime, create_app

from factory_registry.adapters.identifier_claims import MongoIdentifierClaims
from factory_registry.adapters.profiles import MongoProfileVersions
from factory_registry.adapters.rules import load_registry_rules
from factory_registry.adapters.site_index import MongoSiteIndex
from factory_registry.config import Settings
from factory_registry.domain.matching import index_site, keys_version
from factory_registry.domain.model import Factory
from factory_registry.domain.profile import FactoryProfile
from factory_registry.domain.rules import RegistryRules
from factory_registry.entrypoints.http.redirects import install_merge_redirects
from factory_registry.entrypoints.http.routes import router
from factory_registry.service_layer.handlers import FactoryRegistry
from factory_registry.service_layer.ports import FactoryStore, IdentifierClaims, ProfileVersions, SiteIndex

PREFIX = "/registry"


@dataclass
class Adapters:
    """Every adapter the registry's handlers need; ``shared``: the runtime's own (links, merges, relay...).

    ``build_app`` builds the real ones (MongoDB) unless given these: the unit tests' in-memory fakes.
    """

    factories: FactoryStore
    profiles: ProfileVersions
    identifiers: IdentifierClaims
    site_index: SiteIndex
    shared: SharedAdapters | None = None


def build_app(
    settings: Settings | None = None,
    adapters: Adapters | None = None,
    span_processors: list[SpanProcessor] | None = None,
) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(settings, produced_topics=[topics.REGISTRY], span_processors=span_processors,
                            shared=adapters.shared if adapters else None)
    rules = load_registry_rules(settings.registry_rules)
    adapters = adapters or _real_adapters(runtime, rules)
    registry = FactoryRegistry(
        factories=adapters.factories,
        profiles=adapters.profiles,
        identifiers=adapters.identifiers,
        site_index=adapters.site_index,
        links=runtime.links,
        rules=rules,
    )

    # Subscriptions (the topics consumed follow from them): the registry handles no event of its own,
    # only the projections every service keeps: FactoryLinked/FactoryUnlinked (who may see a site),
    # the member groups, FactoriesMerged (the merged ids). No jobs.
    runtime.follow_links_groups_and_merges()

    app = create_app(
        runtime,
        title="factory-registry",
        prefix=PREFIX,
        routers=[router],
        client_scopes=ServiceScopes(read=ClientScope.FACTORIES_READ),
    )
    install_merge_redirects(app)
    app.state.factory_registry = registry
    return app


def _real_adapters(runtime: ServiceRuntime, rules: RegistryRules) -> Adapters:
    """The real adapters, and the start-up work they need (indexes, blocking keys of the current rules)."""
    assert runtime.database is not None
    factories = runtime.store("factories", Factory)
    profiles = MongoProfileVersions(runtime.store("factory_profiles", FactoryProfile))
    site_index = MongoSiteIndex(factories)

    async def prepare() -> None:
        # Search reads a country's active sites (or all of them) in id order; duplicates, by their keys.
        await factories.collection.create_index([("country", 1), ("merged_into", 1), ("_id", 1)])
        await factories.collection.create_index([("merged_into", 1), ("_id", 1)])
        await site_index.ensure_indexes()
        await profiles.ensure_indexes()
        # Sites stored before these rules' keys (or before keys existed) get them: a one-off per rules change.
        await site_index.reindex(keys_version(rules.duplicates), lambda site: index_site(site, rules.duplicates))

    runtime.startup_hooks.append(prepare)
    return Adapters(factories=factories, profiles=profiles,
                    identifiers=MongoIdentifierClaims(runtime.database["identifier_claims"]), site_index=site_index)
