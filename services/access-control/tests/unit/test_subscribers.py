"""Each subscription of access-control takes its event through TestKafkaBroker; a bad payload is a dead letter."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime

from shared_audits.contracts import wrap
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.contracts.events import (
    AuditMandated,
    FactoriesMerged,
    FactoryLinked,
    FactoryRegistered,
    FactoryUnlinked,
    MemberGroupDissolved,
    MemberGroupPublished,
)
from shared_audits.contracts.topics import REGISTRY
from shared_audits.testing import InMemorySharedAdapters, factory_account, member, operator
from shared_audits.testing.app import RunningApp

from .fakes import KNOWN_SITE, call, register

NOW = datetime(2026, 4, 1, tzinfo=UTC)


async def ask_to_link(app: RunningApp, shared: InMemorySharedAdapters, member_id: str, factory_id: str):
    return await call(app, shared, member(member_id), "POST", "/links",
                      json={"factory_id": factory_id, "relationship": "supplier"})


async def test_a_site_factory_registry_registers_takes_link_requests(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    brand = (await register(app, shared, "Brand A", OrganisationKind.MEMBER)).organisation_id
    assert (await ask_to_link(app, shared, brand, "f-new")).status_code == 404

    await app.publish(FactoryRegistered(factory_id="f-new", name="New Knits", country="BD"),
                      producer="factory-registry")

    assert (await ask_to_link(app, shared, brand, "f-new")).status_code == 202


async def test_an_audit_mandated_counts_its_member_towards_the_companys_accreditation(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    company = (await register(app, shared, "Audits Ltd", OrganisationKind.AUDIT_COMPANY)).organisation_id

    for member_id in ("m-1", "m-2", "m-1"):
        await app.publish(AuditMandated(audit_id=str(uuid.uuid4()), factory_id=KNOWN_SITE, member_id=member_id,
                                        audit_company_id=company, audit_type="initial", scope="social",
                                        announcement="semi_announced"), producer="audit-service")

    read = await call(app, shared, operator(), "GET", f"/organisations/{company}")
    assert read.json()["accreditation"]["mandating_members"] == 2


async def test_a_merge_moves_the_links_to_the_surviving_site_and_the_merged_id_takes_no_request(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    await app.publish(FactoryRegistered(factory_id="f-keep", name="Keep", country="BD"), producer="factory-registry")
    site_organisation = (await register(app, shared, "Gone", OrganisationKind.FACTORY, KNOWN_SITE)).organisation_id
    brand = (await register(app, shared, "Brand A", OrganisationKind.MEMBER)).organisation_id
    request_id = (await ask_to_link(app, shared, brand, KNOWN_SITE)).json()["request_id"]
    site = replace(factory_account(KNOWN_SITE), organisation_id=site_organisation)
    assert (await call(app, shared, site, "POST", f"/link-requests/{request_id}/accept")).status_code == 200

    await app.publish(FactoriesMerged(factory_id="f-keep", merged_factory_id=KNOWN_SITE),
                      producer="factory-registry")

    links = (await call(app, shared, member(brand), "GET", "/links")).json()
    assert [(link["factory_id"], link["status"]) for link in links] == [("f-keep", "active")]
    assert (await ask_to_link(app, shared, brand, KNOWN_SITE)).status_code == 404
    survivor = (await call(app, shared, operator(), "GET", f"/organisations/{site_organisation}")).json()
    assert survivor["factory_id"] == "f-keep"
    assert shared.merged_factories.merged == {KNOWN_SITE: "f-keep"}


async def test_links_and_member_groups_feed_the_projections_every_service_keeps(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    await app.publish(FactoryLinked(member_id="m-1", factory_id=KNOWN_SITE, relationship="supplier", linked_at=NOW),
                      producer="access-control")
    await app.publish(MemberGroupPublished(group_id="g-1", name="Alliance", member_ids=["m-1", "m-2"],
                                           published_at=NOW), producer="access-control")
    assert ("m-1", KNOWN_SITE) in shared.links.links
    assert shared.member_groups.groups == {"g-1": {"m-1", "m-2"}}

    await app.publish(FactoryUnlinked(member_id="m-1", factory_id=KNOWN_SITE, unlinked_at=NOW),
                      producer="access-control")
    await app.publish(MemberGroupDissolved(group_id="g-1", dissolved_at=NOW), producer="access-control")
    assert shared.links.links == set() and shared.member_groups.groups == {}


async def test_an_accepted_request_reaches_the_link_projection_through_the_relay(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    site_organisation = (await register(app, shared, "Sunrise", OrganisationKind.FACTORY, KNOWN_SITE)).organisation_id
    brand = (await register(app, shared, "Brand A", OrganisationKind.MEMBER)).organisation_id
    request_id = (await ask_to_link(app, shared, brand, KNOWN_SITE)).json()["request_id"]
    site = replace(factory_account(KNOWN_SITE), organisation_id=site_organisation)
    await call(app, shared, site, "POST", f"/link-requests/{request_id}/accept")

    # The running app's relay publishes in the background: flush() may find its entries already taken.
    for _ in range(100):
        await shared.relay.flush()
        if (brand, KNOWN_SITE) in shared.links.links:
            break
        await asyncio.sleep(0.01)

    assert (brand, KNOWN_SITE) in shared.links.links
    assert [e.type for e in shared.relay.sent if e.type.startswith("Factory")] == [FactoryLinked.TYPE]


async def test_a_bad_payload_is_a_dead_letter_and_the_next_event_is_handled(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    bad = wrap(FactoryRegistered(factory_id="f-bad", name="Bad", country="BD"), producer="factory-registry")
    raw = json.loads(bad.model_dump_json())
    raw["payload"]["country"] = "Bangladesh"
    await app.publish_raw(REGISTRY.name, json.dumps(raw).encode(), key=bad.key)
    assert len(shared.dead_letters.parked) == 1

    await app.publish(FactoryRegistered(factory_id="f-next", name="Next", country="BD"),
                      producer="factory-registry")
    brand = (await register(app, shared, "Brand A", OrganisationKind.MEMBER)).organisation_id
    assert (await ask_to_link(app, shared, brand, "f-next")).status_code == 202
    assert (await ask_to_link(app, shared, brand, "f-bad")).status_code == 404
