"""Each subscription of audit-app takes its event from the topic (TestKafkaBroker, the app of its bootstrap).

The effect shows in the fakes; a payload that does not fit its contract goes to the dead letters.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from audit_service.bootstrap import Adapters
from shared_audits.contracts.enums import AccreditationStatus, LinkRelationship, OrganisationKind
from shared_audits.contracts.envelope import wrap
from shared_audits.contracts.events import (
    AuditCompanyAccreditationChanged,
    AuditCompanyAccreditationRestated,
    AuditReportPublished,
    ChapterScore,
    CodeOfConductPublished,
    CodeOfConductSigned,
    FactoriesMerged,
    FactoryLinked,
    FactoryProfileSubmitted,
    FactoryRegistered,
    FactoryUnlinked,
    MemberGroupDissolved,
    MemberGroupPublished,
    OrganisationRegistered,
)
from shared_audits.testing import InMemorySharedAdapters, RunningApp, member

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)


def report_published(factory_id: str, nonconforming: bool, day: int = 1) -> AuditReportPublished:
    return AuditReportPublished(
        audit_id=f"a-{factory_id}-{day}", factory_id=factory_id, audit_type="initial", compliance_percentage=80,
        letter="B", rule_set_version="2026.1", findings=[], published_at=AT + timedelta(days=day),
        chapter_scores=[ChapterScore(chapter="S9", percentage=80, nonconformities=int(nonconforming))],
    )


async def test_access_controls_word_on_audit_companies_reaches_the_accreditation_projection(
    app: RunningApp, adapters: Adapters
) -> None:
    await app.publish(OrganisationRegistered(organisation_id="ac-9", name="Audit Nine",
                                                 kind=OrganisationKind.AUDIT_COMPANY, trial_ends_at=AT))
    registered = await adapters.audit_companies.standing("ac-9")
    await app.publish(AuditCompanyAccreditationChanged(
        organisation_id="ac-9", status=AccreditationStatus.SUSPENDED, previous_status=AccreditationStatus.TRIAL,
        reason="r", changed_at=AT + timedelta(days=1), trial_ends_at=AT))
    suspended = await adapters.audit_companies.standing("ac-9")
    await app.publish(AuditCompanyAccreditationRestated(
        organisation_id="ac-9", status=AccreditationStatus.ACCREDITED, decided_at=AT + timedelta(days=2),
        restated_at=AT + timedelta(days=3)))

    assert registered.status == AccreditationStatus.TRIAL and suspended.status == AccreditationStatus.SUSPENDED
    assert (await adapters.audit_companies.standing("ac-9")).status == AccreditationStatus.ACCREDITED


async def test_a_sites_readiness_follows_its_profile_and_the_code_of_conduct(
    app: RunningApp, adapters: Adapters
) -> None:
    await app.publish(FactoryProfileSubmitted(factory_id="f-1", profile_version=2, workforce_total=420))
    await app.publish(CodeOfConductSigned(organisation_id="org-f-1", code_version="2026-01",
                                              signed_by="site manager", signed_at=AT, factory_id="f-1"))
    await app.publish(CodeOfConductPublished(code_version="2026-02", title="Code", content_sha256="0" * 64,
                                                 published_at=AT))

    readiness = await adapters.readiness.of("f-1")
    assert (readiness.profile_version, readiness.workforce_total) == (2, 420)
    assert readiness.code_of_conduct_versions == ["2026-01"]
    assert await adapters.readiness.current_code_version() == "2026-02"


async def test_registered_sites_and_published_reports_feed_the_site_names_and_the_risk_model(
    app: RunningApp, adapters: Adapters
) -> None:
    await app.publish(report_published("f-1", nonconforming=True))  # before its site: counted once located
    await app.publish(FactoryRegistered(factory_id="f-1", name="Sunrise", country="BD", city="Gazipur"))

    assert (await adapters.site_names.of(["f-1"]))["f-1"].country == "BD"
    counts = await adapters.risk_pictures.counts()
    assert [(c.country, c.chapter, c.factories, c.nonconforming_factories) for c in counts] == [("BD", "S9", 1, 1)]


async def test_a_merge_moves_the_merged_sites_audits_readiness_and_risk_to_the_survivor(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters
) -> None:
    mandated = await app.client.post(
        "/audits/audits", headers=shared.token_verifier.headers(member("m-a")),
        json={"factory_id": "f-1", "audit_company_id": "ac-1", "window_starts_on": "2026-12-01",
              "window_ends_on": "2026-12-31"})
    await app.publish(FactoryProfileSubmitted(factory_id="f-1", profile_version=1, workforce_total=99))
    for factory_id in ("f-1", "f-keep"):
        await app.publish(FactoryRegistered(factory_id=factory_id, name=factory_id, country="BD"))
    await app.publish(report_published("f-1", nonconforming=True, day=9))
    await app.publish(report_published("f-keep", nonconforming=False, day=1))

    await app.publish(FactoriesMerged(factory_id="f-keep", merged_factory_id="f-1"))
    await app.publish(CodeOfConductSigned(organisation_id="org-f-1", code_version="2026-01", signed_by="manager",
                                          signed_at=AT, factory_id="f-1"))  # access-control's, late

    assert shared.merged_factories.merged == {"f-1": "f-keep"}
    assert [audit.id for audit in await adapters.audits.find(factory_id="f-keep")] == [mandated.json()["audit_id"]]
    survivor = await adapters.readiness.of("f-keep")
    assert survivor.workforce_total == 99 and survivor.code_of_conduct_versions == ["2026-01"]  # the late one too
    counts = await adapters.risk_pictures.counts()
    assert [(c.factories, c.nonconforming_factories) for c in counts] == [(1, 1)]  # the newer report, once


async def test_a_link_opens_the_sites_audits_to_a_member_and_an_unlink_closes_them(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    mandated = await app.client.post("/audits/audits", headers=shared.token_verifier.headers(member("m-a")),
                                     json={"factory_id": "f-1", "audit_company_id": "ac-1",
                                           "window_starts_on": "2026-12-01", "window_ends_on": "2026-12-31"})
    path, headers = f"/audits/audits/{mandated.json()['audit_id']}", shared.token_verifier.headers(member("m-c"))
    before = await app.client.get(path, headers=headers)

    await app.publish(FactoryLinked(member_id="m-c", factory_id="f-1", relationship=LinkRelationship.SUPPLIER,
                                    linked_at=AT))
    linked = await app.client.get(path, headers=headers)
    await app.publish(FactoryUnlinked(member_id="m-c", factory_id="f-1", unlinked_at=AT))
    unlinked = await app.client.get(path, headers=headers)

    assert (before.status_code, linked.status_code, unlinked.status_code) == (404, 200, 404)


async def test_member_groups_reach_the_shared_projection(app: RunningApp, shared: InMemorySharedAdapters) -> None:
    await app.publish(MemberGroupPublished(group_id="g-1", name="Group", member_ids=["m-a", "m-b"],
                                           published_at=AT))
    grouped = dict(shared.member_groups.groups)
    await app.publish(MemberGroupDissolved(group_id="g-1", dissolved_at=AT))

    assert grouped == {"g-1": {"m-a", "m-b"}} and shared.member_groups.groups == {}


async def test_a_payload_with_a_field_this_release_does_not_know_is_handled(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters
) -> None:
    envelope = json.loads(wrap(FactoryRegistered(factory_id="f-5", name="Five", country="VN"),
                               producer="factory-registry").model_dump_json())
    envelope["payload"]["site_kind"] = "tannery"  # added by a newer factory-registry

    await app.publish_raw(FactoryRegistered.TOPIC.name, json.dumps(envelope).encode(), key="f-5")

    assert shared.dead_letters.parked == []
    assert (await adapters.site_names.of(["f-5"]))["f-5"].country == "VN"


async def test_a_payload_that_breaks_its_contract_goes_to_the_dead_letters_and_the_next_is_handled(
    app: RunningApp, adapters: Adapters, shared: InMemorySharedAdapters
) -> None:
    envelope = json.loads(wrap(FactoryRegistered(factory_id="f-3", name="Three", country="KH"),
                               producer="factory-registry").model_dump_json())
    envelope["payload"]["country"] = "Cambodia"  # not an ISO code

    await app.publish_raw(FactoryRegistered.TOPIC.name, json.dumps(envelope).encode(), key="f-3")
    await app.publish(FactoryRegistered(factory_id="f-4", name="Four", country="KH"))

    assert len(shared.dead_letters.parked) == 1 and "FactoryRegistered" in shared.dead_letters.reasons[0]
    assert list(await adapters.site_names.of(["f-3", "f-4"])) == ["f-4"]
