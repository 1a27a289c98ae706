"""A merge of two sites moves the merged site's audits, readiness and risk rows to the survivor."""

from datetime import UTC, date, datetime

import pytest

from audit_service.service_layer.handlers import AuditHandlers
from audit_service.service_layer.merges import SiteMerges
from shared_audits.contracts.envelope import wrap
from shared_audits.contracts.events import AuditReportPublished, ChapterScore, FactoriesMerged, FactoryRegistered
from shared_audits.errors import NotFoundError
from shared_audits.contracts.enums import Announcement, AuditScope, AuditType
from shared_audits.testing import member

MANDATE = (AuditType.INITIAL, AuditScope.SOCIAL, Announcement.SEMI_ANNOUNCED, (date(2026, 11, 1), date(2026, 11, 30)))

MERGE = FactoriesMerged(factory_id="f-keep", merged_factory_id="f-1")


async def merge(audits: AuditHandlers) -> None:
    await SiteMerges(audits.audits, audits.readiness, audits.risk).apply_merged(MERGE, wrap(MERGE, producer="test"))


async def report(audits: AuditHandlers, factory_id: str, day: int, nonconforming: bool) -> None:
    registered = FactoryRegistered(factory_id=factory_id, name=factory_id, country="BD")
    await audits.risk.apply_factory_registered(registered, wrap(registered, producer="test"))
    published = AuditReportPublished(
        audit_id=f"a-{factory_id}", factory_id=factory_id, audit_type="initial", compliance_percentage=80,
        letter="B", rule_set_version="2026.1", findings=[], published_at=datetime(2026, 5, day, tzinfo=UTC),
        chapter_scores=[ChapterScore(chapter="S9", percentage=80, nonconformities=1 if nonconforming else 0)],
    )
    await audits.risk.apply_report_published(published, wrap(published, producer="test"))


async def test_the_merged_sites_audits_answer_on_the_surviving_id(audits: AuditHandlers, make_ready) -> None:
    await make_ready("f-1")
    audit = await audits.mandate_audit(member("m-a"), "f-1", "ac-1", *MANDATE)
    audits.links.links |= {("m-a", "f-keep")}

    await merge(audits)
    await merge(audits)  # replayed: nothing left to move

    assert [found.id for found in (await audits.audits_of_factory(member("m-a"), "f-keep")).audits] == [audit.id]
    assert await audits.audits.find(factory_id="f-1") == []


async def test_no_audit_is_mandated_under_the_merged_id_while_the_link_moves(audits: AuditHandlers) -> None:
    await audits.merged_factories.apply_merged(MERGE, wrap(MERGE, producer="test"))
    with pytest.raises(NotFoundError):
        await audits.mandate_audit(member("m-a"), "f-1", "ac-1", *MANDATE)  # m-a is still linked to f-1


async def test_readiness_keeps_the_survivors_profile_and_every_signed_version(audits: AuditHandlers, make_ready) -> None:
    await make_ready("f-1", workforce=100, code_version="2025-01")
    await make_ready("f-keep", workforce=900, code_version="2026-01")

    await merge(audits)

    survivor = await audits.readiness.of("f-keep")
    assert survivor.workforce_total == 900
    assert survivor.code_of_conduct_versions == ["2026-01", "2025-01"]
    assert (await audits.readiness.of("f-1")).profile_version is None


async def test_a_merged_site_takes_its_readiness_to_a_survivor_that_had_none(audits: AuditHandlers, make_ready) -> None:
    await make_ready("f-1", workforce=100)
    await merge(audits)
    assert (await audits.readiness.of("f-keep")).workforce_total == 100


async def test_the_risk_model_counts_the_merged_site_once_with_its_newer_report(audits: AuditHandlers) -> None:
    await report(audits, "f-keep", day=1, nonconforming=False)
    await report(audits, "f-1", day=9, nonconforming=True)

    await merge(audits)

    cells = await audits.risk.counts(["f-keep", "f-1"])
    assert [(cell.factories, cell.nonconforming_factories) for cell in cells] == [(1, 1)]
