"""An audit company's mandates and the sites' names against the real MongoDB-protocol server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from audit_service.adapters.mandates import MongoMandates
from audit_service.adapters.site_names import MongoSiteNames
from audit_service.domain.mandates import MandatePosition, SiteName
from audit_service.adapters.rules import load_rule_book
from audit_service.domain.model import Audit, AuditStatus
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType
from shared_audits.contracts.events import FactoryRegistered
from shared_audits.store import MongoAggregateStore

from .risk_events import apply

START = datetime(2026, 11, 20, 9, tzinfo=UTC)
WINDOW = (date(2026, 12, 1), date(2026, 12, 31))


def mandated(company: str, at: datetime, factory_id: str = "f-1") -> Audit:
    return Audit.mandate(factory_id, "m-a", company, AuditType.INITIAL, AuditScope.SOCIAL,
                         Announcement.SEMI_ANNOUNCED, WINDOW, load_rule_book().timing, at)


async def test_mandates_come_newest_first_a_page_at_a_time_and_only_the_companys(database) -> None:
    store = MongoAggregateStore(database["audits"], Audit, "audit-service")
    mandates = MongoMandates(database["audits"])
    await mandates.ensure_indexes()
    # Five at one moment (ties broken by id), two later ones, and another company's.
    audits = [mandated("ac-1", START) for _ in range(5)]
    audits += [mandated("ac-1", START + timedelta(hours=1)), mandated("ac-1", START + timedelta(hours=2, microseconds=5))]
    for audit in [*audits, mandated("ac-2", START + timedelta(hours=3))]:
        await store.add(audit)
    audits[0].accept(START + timedelta(days=1))
    await store.save(audits[0])

    listed, after = [], None
    while page := await mandates.of_company("ac-1", None, 3, after):
        listed += page
        after = MandatePosition.of(page[-1])
    expected = sorted(audits, key=lambda audit: (audit.mandated_at, audit.id), reverse=True)
    assert [m.audit_id for m in listed] == [audit.id for audit in expected]
    assert listed[0].window_ends_on == WINDOW[1] and listed[0].status == AuditStatus.MANDATED
    accepted = await mandates.of_company("ac-1", AuditStatus.ACCEPTED, 10, None)
    assert [m.audit_id for m in accepted] == [audits[0].id]
    plan = await database.command("explain", {"find": "audits", "filter": {"audit_company_id": "ac-1"},
                                              "sort": {"mandated_at": -1, "_id": -1}})
    # The company's index serves the order: no sort in memory.
    assert "audit_company_id_1_mandated_at_-1__id_-1" in str(plan) and "'SORT'" not in str(plan)


async def test_site_names_follow_the_registry_and_unknown_sites_are_left_out(database) -> None:
    names = MongoSiteNames(database["site_names"])
    await apply(names.apply_registered, FactoryRegistered(factory_id="f-1", name="Sunrise", country="BD", city="Gazipur"))
    await apply(names.apply_registered, FactoryRegistered(factory_id="f-1", name="Sunrise", country="BD", city="Gazipur"))
    assert await names.of(["f-1", "f-unknown", "f-1"]) == {
        "f-1": SiteName(name="Sunrise", country="BD", city="Gazipur")}
