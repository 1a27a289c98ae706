"""Composition root of factory-registry."""

from fastapi import FastAPI
from shared_audits.contracts import topics
from shared_audits.contracts.enums import ClientScope
from shared_audits.http import ServiceScopes
from shared_audits.runtime import build_runtime, create_app

from factory_registry.adapters.identifier_claims import MongoIdentifierClaims
from factory_registry.adapters.profiles import MongoProfileVersions
from factory_registry.adapters.rules import load_registry_rules
from factory_registry.adapters.site_index import MongoSiteIndex
from factory_registry.config import Settings
from factory_registry.domain.matching import index_site, keys_version
from factory_registry.domain.model import Factory
from factory_registry.domain.profile import FactoryProfile
from factory_registry.entrypoints.http.redirects import install_merge_redirects
from factory_registry.entrypoints.http.routes import router
from factory_registry.service_layer.handlers import FactoryRegistry

PREFIX = "/registry"


def build_app(settings: Settings | None = None, span_processors: list | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(
        settings, produced_topics=[topics.REGISTRY], consumed_topics=[], span_processors=span_processors
    )
    # The projections every service keeps: links and member groups (access-control), merged ids (registry).
    runtime.follow_links_groups_and_merges()
    factories = runtime.store("factories", Factory)
    profiles = MongoProfileVersions(runtime.store("factory_profiles", FactoryProfile))
    site_index = MongoSiteIndex(factories)
    rules = load_registry_rules(settings.registry_rules)

    async def prepare() -> None:
        # Search reads a country's active sites (or all of them) in id order; duplicates, by their keys.
        await factories.collection.create_index([("country", 1), ("merged_into", 1), ("_id", 1)])
        await factories.collection.create_index([("merged_into", 1), ("_id", 1)])
        await site_index.ensure_indexes()
        await profiles.ensure_indexes()
        # Sites stored before these rules' keys (or before keys existed) get them: a one-off per rules change.
        await site_index.reindex(keys_version(rules.duplicates), lambda site: index_site(site, rules.duplicates))

    runtime.startup_hooks.append(prepare)
    registry = FactoryRegistry(
        factories=factories,
        profiles=profiles,
        identifiers=MongoIdentifierClaims(runtime.database["identifier_claims"]),
        site_index=site_index,
        links=runtime.links,
        rules=rules,
    )
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
