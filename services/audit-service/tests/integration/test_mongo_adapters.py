"""audit-service's MongoDB adapters against the real MongoDB-protocol server (SecantusDB locally)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from audit_service.adapters.audit_companies import MongoAuditCompanies
from audit_service.adapters.readiness import MongoReadiness
from audit_service.adapters.risk import MongoRiskPictures
from audit_service.domain.risk import CountedReport
from audit_service.adapters.rules import load_rule_book, shipped_rule_sets
from audit_service.adapters.site_names import MongoSiteNames
from audit_service.adapters.working_days import working_calendar
from audit_service.domain.model import Audit, ReportSubmission
from audit_service.domain.questionnaire import Answer, QuestionKind
from audit_service.service_layer.accreditation import AuditCompanyEvents
from audit_service.service_layer.handlers import AuditHandlers
from audit_service.service_layer.risk import RiskReadModel
from audit_service.service_layer.rule_books import RuleBooks
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType
from shared_audits.contracts.envelope import wrap
from shared_audits.contracts.events import (
    AuditCompanyAccreditationChanged,
    AuditReportOverdue,
    CodeOfConductSigned,
    FactoryLinked,
    FactoryProfileSubmitted,
    FactoryRegistered,
    FollowUpAuditDue,
    OrganisationRegistered,
)
from shared_audits.links import MongoLinkProjection
from shared_audits.merges import MongoMergedFactories
from shared_audits.rule_versions import RuleSetVersion
from shared_audits.store import MongoAggregateStore
from shared_audits.testing import audit_company, member, operator

from .risk_events import apply, report


async def linked_and_registered(database) -> dict:
    """The real projections of the stores the handlers read: m-a linked to f-1, the audit company "ac"."""
    links = MongoLinkProjection(database["factory_links"])
    linked = FactoryLinked(member_id="m-a", factory_id="f-1", relationship="supplier",
                           linked_at=datetime(2026, 1, 5, tzinfo=UTC))
    await links.apply_changes([(linked, wrap(linked, producer="test"))])
    companies = MongoAuditCompanies(database["audit_companies"])
    await apply(AuditCompanyEvents(companies).apply_registered, OrganisationRegistered(organisation_id="ac", name="Audit Co",
                                                                   kind="audit_company"))
    return {"links": links, "audit_companies": companies,
            "merged_factories": MongoMergedFactories(database["merged_factories"])}


async def test_risk_rows_follow_the_latest_full_audit_whatever_the_arrival_order(database) -> None:
    risk = RiskReadModel(MongoRiskPictures(database["risk_factories"], database["risk_cells"]))
    # The report arrives before the site's country (another topic): it counts once the country is known.
    await apply(risk.apply_report_published, report("f-1", 2, {"S9"}))
    assert await risk.counts() == []
    await apply(risk.apply_factory_registered, FactoryRegistered(factory_id="f-1", name="One", country="BD"))
    await apply(risk.apply_factory_registered, FactoryRegistered(factory_id="f-2", name="Two", country="BD"))
    await apply(risk.apply_report_published, report("f-2", 1, {"S7", "S9"}))
    # An older report delivered late, a redelivery and a follow-up change nothing.
    await apply(risk.apply_report_published, report("f-1", 1, {"S7"}))
    await apply(risk.apply_report_published, report("f-1", 2, {"S9"}))
    await apply(risk.apply_report_published, report("f-2", 3, set(), audit_type="follow_up"))

    counts = {(c.country, c.chapter): (c.factories, c.nonconforming_factories) for c in await risk.counts()}
    assert counts == {("BD", "S7"): (2, 1), ("BD", "S9"): (2, 2)}
    own = {(c.country, c.chapter): (c.factories, c.nonconforming_factories) for c in await risk.counts(["f-1"])}
    assert own == {("BD", "S7"): (1, 0), ("BD", "S9"): (1, 1)}


async def test_imported_reports_count_in_one_batch_under_their_country_until_the_registry_moves_them(database) -> None:
    risk = RiskReadModel(MongoRiskPictures(database["risk_factories"], database["risk_cells"]))
    published = datetime(2026, 5, 1, tzinfo=UTC)
    batch = [CountedReport(factory_id=f"f-{n}", audit_id=f"a-{n}", published_at=published,
                           chapters={"S7": n % 2, "S9": 0}, country="VN") for n in range(4)]
    assert await risk.count_reports(batch) == 4
    assert await risk.count_reports(batch) == 4  # a re-run counts the same reports again: no change
    await apply(risk.apply_factory_registered, FactoryRegistered(factory_id="f-0", name="Zero", country="KH"))

    counts = {(c.country, c.chapter): (c.factories, c.nonconforming_factories) for c in await risk.counts()}
    assert counts == {("VN", "S7"): (3, 2), ("VN", "S9"): (3, 0), ("KH", "S7"): (1, 0), ("KH", "S9"): (1, 0)}


async def test_an_import_batch_of_registered_sites_counts_them_all(database) -> None:
    # The sites are known (registered first), so each report replaces an existing document, in one bulk write.
    risk = RiskReadModel(MongoRiskPictures(database["risk_factories"], database["risk_cells"]))
    sites = 250
    for n in range(sites):
        await apply(risk.apply_factory_registered, FactoryRegistered(factory_id=f"f-{n}", name=f"Site {n}", country="BD"))
    published = datetime(2026, 5, 1, tzinfo=UTC)
    batch = [CountedReport(factory_id=f"f-{n}", audit_id=f"a-{n}", published_at=published,
                           chapters={"S7": n % 2}, country="BD") for n in range(sites)]

    assert await asyncio.wait_for(risk.count_reports(batch), timeout=60) == sites
    assert [(c.country, c.chapter, c.factories, c.nonconforming_factories) for c in await risk.counts()] == [
        ("BD", "S7", sites, sites // 2)]


async def test_a_factory_changed_by_another_instance_meanwhile_is_read_again_and_counted_once(database) -> None:
    other_instance = RiskReadModel(MongoRiskPictures(database["risk_factories"], database["risk_cells"]))
    published = datetime(2026, 5, 1, tzinfo=UTC)
    newer = CountedReport(factory_id="f-1", audit_id="a-new", published_at=published + timedelta(days=9),
                          chapters={"S7": 1}, country="BD")

    class OvertakenAfterReading(MongoRiskPictures):
        """Between this instance's read and its write, the other instance counts a newer report of f-1."""

        overtaken = False

        async def _read(self, factory_ids: list[str]) -> dict[str, dict]:
            documents = await super()._read(factory_ids)
            if not self.overtaken:
                self.overtaken = True
                await other_instance.count_reports([newer])
            return documents

    risk = RiskReadModel(OvertakenAfterReading(database["risk_factories"], database["risk_cells"]))
    batch = [CountedReport(factory_id=factory_id, audit_id=f"a-{factory_id}", published_at=published,
                           chapters={"S7": 0}, country="BD") for factory_id in ("f-1", "f-2")]

    assert await risk.count_reports(batch) == 1  # f-2; f-1's older report lost to the newer one

    assert [(c.country, c.chapter, c.factories, c.nonconforming_factories) for c in await risk.counts()] == [
        ("BD", "S7", 2, 1)]


async def test_readiness_keeps_the_latest_profile_and_every_signed_version(database) -> None:
    readiness = MongoReadiness(database["sites"], database["code_of_conduct"])
    signed_at = datetime(2026, 1, 5, tzinfo=UTC)
    for version in ("2025-06", "2026-01", "2026-01"):
        await apply(readiness.apply_code_signed, CodeOfConductSigned(
            organisation_id="org-f", code_version=version, signed_by="x", signed_at=signed_at, factory_id="f-1"))
    await apply(readiness.apply_code_signed, CodeOfConductSigned(
        organisation_id="m-a", code_version="2027-01", signed_by="x", signed_at=signed_at))  # a member's own
    await apply(readiness.apply_profile_submitted,
                FactoryProfileSubmitted(factory_id="f-1", profile_version=2, workforce_total=700))
    site = await readiness.of("f-1")
    assert (site.profile_version, site.workforce_total) == (2, 700)
    assert site.code_of_conduct_versions == ["2025-06", "2026-01"]
    assert site.problems(await readiness.current_code_version()) == []
    await readiness.apply_current_version("2027-01")
    assert site.problems(await readiness.current_code_version()) == [
        "the factory has not signed the current Code of Conduct (2027-01)"
    ]


async def published_rules(database) -> RuleBooks:
    """The rule sets' versions in the real store, holding the shipped ones (as at start)."""
    books = RuleBooks(MongoAggregateStore(database["rule_set_versions"], RuleSetVersion, "audit-service"))
    await books.seed(shipped_rule_sets())
    return books


async def test_the_due_date_job_emits_once_against_the_real_store(database) -> None:
    rules = load_rule_book()
    now = [datetime(2026, 11, 20, 9, tzinfo=UTC)]
    readiness = MongoReadiness(database["sites"], database["code_of_conduct"])
    await apply(readiness.apply_profile_submitted,
                FactoryProfileSubmitted(factory_id="f-1", profile_version=1, workforce_total=100))
    await apply(readiness.apply_code_signed, CodeOfConductSigned(
        organisation_id="org-f", code_version="2026-01", signed_by="x", signed_at=now[0], factory_id="f-1"))
    store = MongoAggregateStore(database["audits"], Audit, "audit-service")
    handlers = AuditHandlers(
        audits=store, **await linked_and_registered(database),
        readiness=readiness, risk=RiskReadModel(MongoRiskPictures(database["rf"], database["rc"])),
        rules=await published_rules(database),
        sites=MongoSiteNames(database["site_names"]), calendars=working_calendar, clock=lambda: now[0],
    )
    audit = await handlers.mandate_audit(member("m-a"), "f-1", "ac", AuditType.INITIAL, AuditScope.SOCIAL,
                                         Announcement.UNANNOUNCED)
    await handlers.answer_mandate(audit_company("ac"), audit.id, accept=True, reason=None)
    answers = [
        Answer(question_id=q.id, note="seen") if q.kind == QuestionKind.INFORMATION
        else Answer(question_id=q.id, value="yes" if q.kind == QuestionKind.CRITICAL else "no")
        for q in rules.questionnaire.questions_in(AuditScope.SOCIAL)
    ]
    submission = ReportSubmission(audit_first_day=date(2026, 11, 19), audit_last_day=date(2026, 11, 19),
                                  answers=answers, findings=[], workers_interviewed=8, documents_sampled=8,
                                  auditor_days=1)
    published = await handlers.submit_report(audit_company("ac"), audit.id, submission)
    # Only the critical questions hold (21 of 85 points): an "E" by percentage, without an alert.
    assert published.report.letter == "E" and not published.report.has_alert

    now[0] += timedelta(days=340)
    assert await handlers.announce_due_audits() == 1
    assert await handlers.announce_due_audits() == 0
    stored = await database["audits"].find_one({"_id": audit.id})
    due_events = [entry for entry in stored["outbox"] if entry["envelope"]["type"] == FollowUpAuditDue.TYPE]
    assert len(due_events) == 1 and stored["due_pending"] is True  # the re-audit is still ahead


async def test_the_accreditation_projection_keeps_the_latest_change(database) -> None:
    companies = MongoAuditCompanies(database["audit_companies"])
    told = AuditCompanyEvents(companies)
    at = datetime(2026, 11, 20, 9, tzinfo=UTC)
    registered = OrganisationRegistered(organisation_id="ac", name="Audit Co", kind="audit_company",
                                        trial_ends_at=at + timedelta(days=365))
    await apply(told.apply_registered, registered)
    assert (await companies.standing("ac")).trial_ends_at == at + timedelta(days=365)
    assert await companies.standing("brand") is None

    def changed(status: str, previous: str, days: int) -> AuditCompanyAccreditationChanged:
        return AuditCompanyAccreditationChanged(organisation_id="ac", status=status, previous_status=previous,
                                                reason="r", changed_at=at + timedelta(days=days),
                                                trial_ends_at=at + timedelta(days=365))

    suspended = changed("suspended", "trial", 1)
    await apply(told.apply_accreditation_changed, suspended)
    await apply(told.apply_accreditation_changed, changed("trial", "suspended", 2))
    await apply(told.apply_accreditation_changed, suspended)  # an older change, told again
    await apply(told.apply_registered, registered)  # a replay
    standing = await companies.standing("ac")
    assert (standing.status, standing.status_since) == ("trial", at + timedelta(days=2))
    standing.require_mandatable(at + timedelta(days=364))


async def test_the_overdue_report_job_flags_once_against_the_real_store(database) -> None:
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    store = MongoAggregateStore(database["audits"], Audit, "audit-service")
    sites = MongoSiteNames(database["site_names"])
    await apply(sites.apply_registered, FactoryRegistered(factory_id="f-1", name="Sunrise", country="BD",
                                                          city="Gazipur"))
    handlers = AuditHandlers(
        audits=store, **await linked_and_registered(database),
        readiness=MongoReadiness(database["sites"], database["code_of_conduct"]),
        risk=RiskReadModel(MongoRiskPictures(database["rf"], database["rc"])), rules=await published_rules(database),
        sites=sites,
        calendars=working_calendar, clock=lambda: now,
    )
    audit = await handlers.mandate_audit(member("m-a"), "f-1", "ac", AuditType.INITIAL, AuditScope.SOCIAL,
                                         Announcement.SEMI_ANNOUNCED, (date(2026, 12, 1), date(2026, 12, 15)))
    await handlers.answer_mandate(audit_company("ac"), audit.id, accept=True, reason=None)
    # Saved before the field existed: a stored audit without it is read as not yet flagged.
    await database["audits"].update_one({"_id": audit.id}, {"$unset": {"report_overdue_since": ""}})

    assert await handlers.flag_overdue_reports(date(2026, 12, 30)) == 0  # Victory Day and Christmas counted out
    assert await handlers.flag_overdue_reports(date(2026, 12, 31)) == 1
    assert await handlers.flag_overdue_reports(date(2027, 1, 15)) == 0
    stored = await database["audits"].find_one({"_id": audit.id})
    overdue = [entry["envelope"] for entry in stored["outbox"] if entry["envelope"]["type"] == AuditReportOverdue.TYPE]
    assert [envelope["payload"]["due_on"] for envelope in overdue] == ["2026-12-30"]
    assert stored["report_overdue_since"] == "2026-12-31"


async def test_two_instances_agree_on_the_rule_sets_in_force(database) -> None:
    first, second = await published_rules(database), await published_rules(database)  # both seed: stored once
    assert await first.versions_in_force() == await second.versions_in_force()
    rating = {**(await first.in_force()).rating.model_dump(mode="json"), "version": "2026.2"}
    rating["letter_bands"][0]["min_percentage"] = 90

    await first.versions.publish(operator(), "rating", rating)

    await asyncio.sleep(second.versions.cache_seconds)  # what an instance read is held a second at most
    assert (await second.in_force()).rating.letter_for(88, has_alert=False) == "B"
    assert [v.rule_version for v in await second.versions.history("rating")] == ["2026.2", "2026.1"]
