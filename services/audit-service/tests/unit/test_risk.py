"""Risk analysis from the read model: rates per (country, chapter), small cells suppressed."""

from datetime import UTC, datetime

from audit_service.domain.risk import CountedReport, FactoryPicture
from audit_service.service_layer.handlers import AuditHandlers
from shared_audits.contracts.envelope import wrap
from shared_audits.contracts.events import AuditReportPublished, ChapterScore, FactoryRegistered
from shared_audits.testing import audit_company, factory_account, member

import pytest

from shared_audits.errors import PermissionDeniedError


async def publish(audits: AuditHandlers, factory_id: str, country: str, nonconforming: set[str],
                  audit_type: str = "initial", day: int = 1) -> None:
    registered = FactoryRegistered(factory_id=factory_id, name=factory_id, country=country)
    await audits.risk.apply_factory_registered(registered, wrap(registered, producer="test"))
    report = AuditReportPublished(
        audit_id=f"a-{factory_id}-{day}", factory_id=factory_id, audit_type=audit_type, compliance_percentage=80,
        letter="B", rule_set_version="2026.1", findings=[], published_at=datetime(2026, 5, day, tzinfo=UTC),
        chapter_scores=[ChapterScore(chapter=c, percentage=80, nonconformities=1 if c in nonconforming else 0)
                        for c in ("S7", "S9")],
    )
    await audits.risk.apply_report_published(report, wrap(report, producer="test"))


async def test_cells_with_fewer_than_five_factories_are_suppressed(audits: AuditHandlers) -> None:
    for n in range(5):
        await publish(audits, f"bd-{n}", "BD", {"S9"} if n < 2 else set())
    await publish(audits, "vn-0", "VN", {"S7"})
    cells = {(c.country, c.chapter): c for c in await audits.risk_by_country(member("m-z"))}
    assert cells[("BD", "S9")].nonconformity_rate == 0.4 and cells[("BD", "S9")].factories == 5
    assert cells[("BD", "S7")].nonconformity_rate == 0.0
    vietnam = cells[("VN", "S7")]
    assert vietnam.suppressed and vietnam.factories is None and vietnam.nonconformity_rate is None


async def test_the_latest_full_audit_of_a_factory_counts_once(audits: AuditHandlers) -> None:
    await publish(audits, "bd-0", "BD", {"S9"}, day=1)
    await publish(audits, "bd-0", "BD", set(), day=3)
    await publish(audits, "bd-0", "BD", {"S7"}, day=2)  # an older report arriving late changes nothing
    await publish(audits, "bd-0", "BD", {"S7", "S9"}, audit_type="follow_up", day=4)  # follow-ups are not counted
    counts = await audits.risk.counts()
    assert [(c.chapter, c.factories, c.nonconforming_factories) for c in counts] == [("S7", 1, 0), ("S9", 1, 0)]


async def test_a_member_sees_its_own_supply_chain_unsuppressed(audits: AuditHandlers) -> None:
    await publish(audits, "f-1", "BD", {"S9"})
    await publish(audits, "bd-9", "BD", {"S9", "S7"})
    cells = {(c.country, c.chapter): c for c in await audits.risk_of_supply_chain(member("m-a"))}
    assert cells[("BD", "S9")].factories == 1 and cells[("BD", "S9")].nonconformity_rate == 1.0
    assert not cells[("BD", "S9")].suppressed


async def test_factories_and_audit_companies_do_not_read_the_risk_analysis(audits: AuditHandlers) -> None:
    for caller in (factory_account("f-1"), audit_company("ac-1")):
        with pytest.raises(PermissionDeniedError):
            await audits.risk_by_country(caller)


async def test_within_one_import_batch_the_newest_report_of_a_factory_counts(audits: AuditHandlers) -> None:
    reports = [CountedReport(factory_id="bd-0", audit_id=f"a-{day}", published_at=datetime(2026, 5, day, tzinfo=UTC),
                             chapters={"S9": int(day == 3)}, country="BD") for day in (3, 1, 2)]
    assert await audits.risk.count_reports(reports) == 1
    assert [(c.chapter, c.factories, c.nonconforming_factories) for c in await audits.risk.counts()] == [("S9", 1, 1)]


def test_a_merged_sites_newer_report_moves_to_the_survivor_under_the_survivors_country() -> None:
    older = FactoryPicture(country="BD", audit_id="a-1", published_at=datetime(2026, 5, 1, tzinfo=UTC),
                           chapters={"S9": 0})
    newer = FactoryPicture(country="VN", audit_id="a-2", published_at=datetime(2026, 5, 9, tzinfo=UTC),
                           chapters={"S9": 1})
    assert older.merged_with(newer) == FactoryPicture(country="BD", audit_id="a-2", published_at=newer.published_at,
                                                      chapters={"S9": 1})
    assert newer.merged_with(older) == newer
    assert FactoryPicture().cells() == {} and newer.cells() == {("VN", "S9", "factories"): 1,
                                                                ("VN", "S9", "nonconforming_factories"): 1}
