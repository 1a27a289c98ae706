"""Composition root of audit-service: the adapters (real or given), the handlers, every subscription and job."""

from dataclasses import dataclass

from fastapi import FastAPI
from shared_audits.contracts import topics
from shared_audits.contracts.enums import ClientScope
from shared_audits.contracts.events import (
    AuditCompanyAccreditationChanged,
    AuditCompanyAccreditationRestated,
    AuditReportPublished,
    CodeOfConductPublished,
    CodeOfConductSigned,
    FactoriesMerged,
    FactoryProfileSubmitted,
    FactoryRegistered,
    OrganisationRegistered,
)
from shared_audits.http import ServiceScopes
from shared_audits.rule_versions import RuleSetVersion
from shared_audits.runtime import ServiceRuntime, SharedAdapters, build_runtime, create_app
from shared_audits.scheduling import PeriodicJob

from audit_service.adapters.audit_companies import MongoAuditCompanies
from audit_service.adapters.mandates import MongoMandates
from audit_service.adapters.readiness import MongoReadiness
from audit_service.adapters.risk import MongoRiskPictures
from audit_service.adapters.rules import shipped_rule_sets
from audit_service.adapters.site_names import MongoSiteNames
from audit_service.adapters.working_days import working_calendar
from audit_service.config import Settings
from audit_service.domain.model import Audit
from audit_service.entrypoints.http.routes import router
from audit_service.entrypoints.http.rules_routes import router as rules_router
from audit_service.service_layer.accreditation import AuditCompanyEvents
from audit_service.service_layer.handlers import AuditHandlers
from audit_service.service_layer.mandates import MandateQueries
from audit_service.service_layer.merges import SiteMerges
from audit_service.service_layer.ports import (
    AuditCompanyProjection,
    AuditStore,
    MandateListing,
    ReadinessProjection,
    RiskPictures,
    RuleSetVersionStore,
    SiteNameProjection,
    WorkingCalendars,
)
from audit_service.service_layer.risk import RiskReadModel
from audit_service.service_layer.rule_books import RuleBooks

PREFIX = "/audits"


@dataclass
class Adapters:
    """Every adapter audit-service's handlers and subscriptions need.

    ``build_app`` builds the real ones (``_real_adapters``) unless it is given these; the unit
    tests give in-memory fakes with ``shared`` (``shared_audits.testing.InMemorySharedAdapters``).
    """

    audits: AuditStore
    rule_set_versions: RuleSetVersionStore  # the operator publishes new ones; every instance reads them here
    audit_companies: AuditCompanyProjection
    readiness: ReadinessProjection
    risk_pictures: RiskPictures
    site_names: SiteNameProjection
    mandates: MandateListing
    calendars: WorkingCalendars = working_calendar
    shared: SharedAdapters | None = None  # the runtime's own (links, merges, ...) in place of MongoDB's


def _real_adapters(runtime: ServiceRuntime) -> Adapters:
    """The MongoDB stores and projections; their indexes are made at start."""
    database = runtime.database
    audits = runtime.store("audits", Audit)
    risk_pictures = MongoRiskPictures(database["risk_factories"], database["risk_cells"])
    mandates = MongoMandates(audits.collection)

    async def ensure_indexes() -> None:
        await audits.collection.create_index([("factory_id", 1)])  # a site's audits; a merge re-points them
        # The due-date job reads pending audits in id order, a page at a time: no sort in memory.
        await audits.collection.create_index([("due_pending", 1), ("_id", 1)])
        # The overdue-report job reads accepted audits not yet flagged, in id order.
        await audits.collection.create_index([("status", 1), ("report_overdue_since", 1), ("_id", 1)])
        await risk_pictures.ensure_indexes()
        await mandates.ensure_indexes()

    runtime.startup_hooks.append(ensure_indexes)
    return Adapters(
        audits=audits,
        rule_set_versions=runtime.store("rule_set_versions", RuleSetVersion),
        audit_companies=MongoAuditCompanies(database["audit_companies"]),
        readiness=MongoReadiness(database["factory_readiness"], database["code_of_conduct"]),
        risk_pictures=risk_pictures,
        site_names=MongoSiteNames(database["site_names"]),
        mandates=mandates,
    )


def build_app(settings: Settings | None = None, adapters: Adapters | None = None,
              span_processors: list | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(settings, produced_topics=[topics.AUDIT], span_processors=span_processors,
                            shared=adapters.shared if adapters else None)
    adapters = adapters or _real_adapters(runtime)
    rule_books = RuleBooks(adapters.rule_set_versions)
    risk = RiskReadModel(adapters.risk_pictures)
    handlers = AuditHandlers(
        audits=adapters.audits,
        links=runtime.links,
        audit_companies=adapters.audit_companies,
        readiness=adapters.readiness,
        risk=risk,
        rules=rule_books,
        sites=adapters.site_names,
        calendars=adapters.calendars,
        merged_factories=runtime.merged_factories,
        clock_override_allowed=settings.clock_override_allowed,
    )

    # Every subscription (the topics consumed follow from them): the projections every service keeps
    # (links, member groups, merged ids: the map before this service's own FactoriesMerged handler),
    # then this service's.
    runtime.follow_links_groups_and_merges()
    accreditation = AuditCompanyEvents(adapters.audit_companies)
    runtime.consumer.on(OrganisationRegistered, accreditation.apply_registered)
    runtime.consumer.on(AuditCompanyAccreditationChanged, accreditation.apply_accreditation_changed)
    runtime.consumer.on(AuditCompanyAccreditationRestated, accreditation.apply_accreditation_restated)
    runtime.consumer.on(FactoryRegistered, adapters.site_names.apply_registered)
    runtime.consumer.on(FactoryProfileSubmitted, adapters.readiness.apply_profile_submitted)
    runtime.consumer.on(CodeOfConductSigned, adapters.readiness.apply_code_signed)
    runtime.consumer.on(CodeOfConductPublished, adapters.readiness.apply_code_published)
    runtime.consumer.on(FactoryRegistered, risk.apply_factory_registered)
    runtime.consumer.on(AuditReportPublished, risk.apply_report_published)  # its own topic: the published reports
    runtime.consumer.on(FactoriesMerged, SiteMerges(adapters.audits, adapters.readiness, risk).apply_merged)

    # Every job.
    due_dates = PeriodicJob("announce-due-audits", settings.due_check_interval_seconds, handlers.announce_due_audits)
    overdue_reports = PeriodicJob("flag-overdue-reports", settings.due_check_interval_seconds,
                                  handlers.flag_overdue_reports)

    async def seed_rule_sets() -> None:
        await rule_books.seed(shipped_rule_sets())  # the files shipped: the first versions

    runtime.startup_hooks += [seed_rule_sets, due_dates.start, overdue_reports.start]
    runtime.shutdown_hooks += [due_dates.stop, overdue_reports.stop]
    app = create_app(
        runtime,
        title="audit-service",
        prefix=PREFIX,
        routers=[router, rules_router],
        client_scopes=ServiceScopes(read=ClientScope.AUDITS_READ, write=ClientScope.AUDITS_WRITE),
    )
    app.state.audit_handlers = handlers
    app.state.mandate_queries = MandateQueries(mandates=adapters.mandates, sites=adapters.site_names)
    return app
