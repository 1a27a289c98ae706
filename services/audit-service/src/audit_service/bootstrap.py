"""Composition root of audit-service."""

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
from shared_audits.runtime import build_runtime, create_app
from shared_audits.scheduling import PeriodicJob

from audit_service.adapters.audit_companies import MongoAuditCompanies
from audit_service.adapters.mandates import MongoMandates
from audit_service.adapters.readiness import MongoReadiness
from audit_service.adapters.risk import MongoRiskReadModel
from audit_service.adapters.rules import shipped_rule_sets
from audit_service.adapters.site_names import MongoSiteNames
from audit_service.adapters.working_days import working_calendar
from audit_service.config import Settings
from audit_service.domain.model import Audit
from audit_service.entrypoints.http.routes import router
from audit_service.entrypoints.http.rules_routes import router as rules_router
from audit_service.service_layer.handlers import AuditHandlers
from audit_service.service_layer.mandates import MandateQueries
from audit_service.service_layer.rule_books import RuleBooks
from audit_service.service_layer.merges import SiteMerges

PREFIX = "/audits"


def build_app(settings: Settings | None = None, span_processors: list | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = build_runtime(
        settings,
        produced_topics=[topics.AUDIT],
        # Its own topic too: the risk read model is built from the published reports.
        consumed_topics=[topics.ACCESS, topics.REGISTRY, topics.AUDIT],
        span_processors=span_processors,
    )
    # The projections every service keeps: links and member groups (access-control), merged ids (registry).
    runtime.follow_links_groups_and_merges()
    database = runtime.database
    audits = runtime.store("audits", Audit)
    audit_companies = MongoAuditCompanies(database["audit_companies"])
    readiness = MongoReadiness(database["factory_readiness"], database["code_of_conduct"])
    risk = MongoRiskReadModel(database["risk_factories"], database["risk_cells"])
    site_names = MongoSiteNames(database["site_names"])
    # The rule sets' versions: the operator publishes new ones; every instance reads them from here.
    rule_books = RuleBooks(runtime.store("rule_set_versions", RuleSetVersion))
    handlers = AuditHandlers(
        audits=audits,
        links=runtime.links,
        audit_companies=audit_companies,
        readiness=readiness,
        risk=risk,
        rules=rule_books,
        sites=site_names,
        calendars=working_calendar,
        merged_factories=runtime.merged_factories,
        clock_override_allowed=settings.clock_override_allowed,
    )
    mandates = MongoMandates(audits.collection)
    runtime.consumer.on(OrganisationRegistered, audit_companies.apply_registered)
    runtime.consumer.on(AuditCompanyAccreditationChanged, audit_companies.apply_accreditation_changed)
    runtime.consumer.on(AuditCompanyAccreditationRestated, audit_companies.apply_accreditation_restated)
    runtime.consumer.on(FactoryRegistered, site_names.apply_registered)
    runtime.consumer.on(FactoryProfileSubmitted, readiness.apply_profile_submitted)
    runtime.consumer.on(CodeOfConductSigned, readiness.apply_code_signed)
    runtime.consumer.on(CodeOfConductPublished, readiness.apply_code_published)
    runtime.consumer.on(FactoryRegistered, risk.apply_factory_registered)
    runtime.consumer.on(AuditReportPublished, risk.apply_report_published)
    runtime.consumer.on(FactoriesMerged, SiteMerges(audits, readiness, risk).apply_merged)

    due_dates = PeriodicJob("announce-due-audits", settings.due_check_interval_seconds, handlers.announce_due_audits)
    overdue_reports = PeriodicJob("flag-overdue-reports", settings.due_check_interval_seconds,
                                  handlers.flag_overdue_reports)

    async def prepare() -> None:
        await rule_books.seed(shipped_rule_sets())  # the files shipped: the first versions
        await audits.collection.create_index([("factory_id", 1)])  # a site's audits; a merge re-points them
        # The due-date job reads pending audits in id order, a page at a time: no sort in memory.
        await audits.collection.create_index([("due_pending", 1), ("_id", 1)])
        # The overdue-report job reads accepted audits not yet flagged, in id order.
        await audits.collection.create_index([("status", 1), ("report_overdue_since", 1), ("_id", 1)])
        await risk.ensure_indexes()
        await mandates.ensure_indexes()

    runtime.startup_hooks += [prepare, due_dates.start, overdue_reports.start]
    runtime.shutdown_hooks += [due_dates.stop, overdue_reports.stop]
    app = create_app(
        runtime,
        title="audit-service",
        prefix=PREFIX,
        routers=[router, rules_router],
        client_scopes=ServiceScopes(read=ClientScope.AUDITS_READ, write=ClientScope.AUDITS_WRITE),
    )
    app.state.audit_handlers = handlers
    app.state.mandate_queries = MandateQueries(mandates=mandates, sites=site_names)
    return app
