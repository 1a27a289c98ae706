"""audit-service's merge of two sites against the real MongoDB-protocol server (SecantusDB locally)."""

from __future__ import annotations

from datetime import UTC, datetime

from audit_service.adapters.readiness import MongoReadiness
from audit_service.adapters.risk import MongoRiskPictures
from audit_service.service_layer.risk import RiskReadModel
from shared_audits.contracts.events import CodeOfConductSigned, FactoryProfileSubmitted, FactoryRegistered

from .risk_events import apply, report


async def test_the_newer_report_of_the_two_sites_counts_once_under_the_survivor(database) -> None:
    risk = RiskReadModel(MongoRiskPictures(database["risk_factories"], database["risk_cells"]))
    for factory_id in ("f-keep", "f-gone", "f-other"):
        await apply(risk.apply_factory_registered, FactoryRegistered(factory_id=factory_id, name="x", country="BD"))
    await apply(risk.apply_report_published, report("f-keep", 1, set()))
    await apply(risk.apply_report_published, report("f-gone", 4, {"S9"}))
    await apply(risk.apply_report_published, report("f-other", 2, {"S7"}))

    for _ in range(2):  # the second time is a replay: nothing changes
        await risk.merge_sites("f-gone", "f-keep")
        counts = {(c.country, c.chapter): (c.factories, c.nonconforming_factories) for c in await risk.counts()}
        assert counts == {("BD", "S7"): (2, 1), ("BD", "S9"): (2, 1)}
        survivor = {(c.chapter, c.nonconforming_factories) for c in await risk.counts(["f-keep"])}
        assert survivor == {("S7", 0), ("S9", 1)}
        assert await risk.counts(["f-gone"]) == []


async def test_an_older_report_of_the_merged_site_is_dropped(database) -> None:
    risk = RiskReadModel(MongoRiskPictures(database["risk_factories"], database["risk_cells"]))
    for factory_id in ("f-keep", "f-gone"):
        await apply(risk.apply_factory_registered, FactoryRegistered(factory_id=factory_id, name="x", country="BD"))
    await apply(risk.apply_report_published, report("f-keep", 5, set()))
    await apply(risk.apply_report_published, report("f-gone", 1, {"S9"}))

    await risk.merge_sites("f-gone", "f-keep")

    assert {(c.chapter, c.factories, c.nonconforming_factories) for c in await risk.counts()} == {
        ("S7", 1, 0), ("S9", 1, 0)
    }


async def test_readiness_of_the_two_sites_is_joined_under_the_survivor(database) -> None:
    readiness = MongoReadiness(database["sites"], database["code_of_conduct"])
    signed_at = datetime(2026, 1, 5, tzinfo=UTC)
    await apply(readiness.apply_profile_submitted,
                FactoryProfileSubmitted(factory_id="f-gone", profile_version=3, workforce_total=120))
    for factory_id, version in (("f-gone", "2025-06"), ("f-keep", "2026-01")):
        await apply(readiness.apply_code_signed, CodeOfConductSigned(
            organisation_id=f"org-{factory_id}", code_version=version, signed_by="manager", signed_at=signed_at,
            factory_id=factory_id))

    for _ in range(2):
        await readiness.merge_sites("f-gone", "f-keep")
        survivor = await readiness.of("f-keep")
        assert (survivor.profile_version, survivor.workforce_total) == (3, 120)
        assert survivor.code_of_conduct_versions == ["2026-01", "2025-06"]
        assert (await readiness.of("f-gone")).code_of_conduct_versions == []
