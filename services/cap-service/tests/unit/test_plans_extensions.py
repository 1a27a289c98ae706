"""The factory's own plan for an item, and its requests for more time, over in-memory fakes."""

from datetime import UTC, date, datetime

import pytest

from cap_service.adapters.rules import load_deadline_rules
from cap_service.domain.disclosure import extensions_seen_by
from cap_service.domain.model import Cap
from cap_service.domain.record import chain_problems
from cap_service.service_layer.handlers import CapHandlers
from shared_audits.contracts import wrap
from shared_audits.contracts.events import (
    AuditReportPublished,
    CapItemExtensionGranted,
    CapItemExtensionRefused,
    CapItemExtensionRequested,
    CapItemOverdue,
    CapItemPlanUpdated,
)
from shared_audits.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from shared_audits.testing import InMemoryAggregateStore, InMemoryLinkProjection, factory_account, member
from shared_audits.member_groups import LINKED_MEMBER, MemberGroups, MemberViewer

NOW = datetime(2026, 3, 10, tzinfo=UTC)
REPORT = AuditReportPublished(
    audit_id="a-1", factory_id="f-1", audit_type="initial", compliance_percentage=60, letter="C",
    rule_set_version="2026.1", published_at=datetime(2026, 3, 1, tzinfo=UTC),
    findings=[{"finding_id": "n-1", "chapter": "9", "severity": "critical", "description": "Exit locked",
               "recommended_action": "Unlock"}],
)  # the item's deadline: 2026-03-31
FACTORY = factory_account("f-1")
PLAN = {"root_cause": "Key kept by one guard", "corrective_action": "Panic bars on every exit",
        "owner": "Maintenance manager", "target_date": date(2026, 3, 25)}


@pytest.fixture
async def world() -> tuple[CapHandlers, Cap, str]:
    caps = CapHandlers(caps=InMemoryAggregateStore(), links=InMemoryLinkProjection({("m-a", "f-1"), ("m-b", "f-1")}),
                       deadline_rules=load_deadline_rules(), clock=lambda: NOW)
    await caps.open_cap(REPORT, wrap(REPORT, producer="audit-service"))
    cap = await caps.caps.get(Cap.id_for_audit("a-1"))
    return caps, cap, cap.items[0].item_id


async def test_the_factory_writes_its_plan_and_linked_members_read_it(world) -> None:
    caps, cap, item_id = world
    await caps.write_plan(FACTORY, cap.id, item_id, **PLAN)
    await caps.write_plan(FACTORY, cap.id, item_id, **PLAN)  # the same plan again records nothing
    plan = (await caps.cap_for(member("m-b"), cap.id)).plan_of(item_id)
    assert plan.owner == "Maintenance manager" and plan.target_date == date(2026, 3, 25)
    assert [type(e) for e in caps.caps.published[1:]] == [CapItemPlanUpdated]
    with pytest.raises(NotFoundError):
        await caps.cap_for(member("m-c"), cap.id)


async def test_only_the_factory_writes_its_plan_and_not_beyond_the_deadline(world) -> None:
    caps, cap, item_id = world
    with pytest.raises(PermissionDeniedError):
        await caps.write_plan(member("m-a"), cap.id, item_id, **PLAN)
    with pytest.raises(NotFoundError):
        await caps.write_plan(factory_account("f-2"), cap.id, item_id, **PLAN)
    with pytest.raises(InvalidRequestError, match="ask for an extension") as refused:
        await caps.write_plan(FACTORY, cap.id, item_id, **{**PLAN, "target_date": date(2026, 4, 15)})
    assert refused.value.extensions["errors"][0]["field"] == "body.target_date"


async def test_a_granted_extension_moves_the_deadline_and_rearms_the_overdue_check(world) -> None:
    caps, cap, item_id = world
    await caps.flag_overdue_items(date(2026, 4, 1))
    cap = await caps.request_extension(FACTORY, cap.id, item_id, date(2026, 5, 15), "Panic bars on order")
    (extension,) = cap.extensions_of(item_id)
    assert extension.status == "pending" and extension.current_deadline == date(2026, 3, 31)
    cap = await caps.decide_extension(member("m-a"), cap.id, item_id, extension.extension_id, "grant", None)
    assert cap.item(item_id).deadline == date(2026, 5, 15)
    assert cap.next_overdue_deadline == date(2026, 5, 15)
    assert [type(e) for e in caps.caps.published[1:]] == [
        CapItemOverdue, CapItemExtensionRequested, CapItemExtensionGranted]
    with pytest.raises(ConflictError):
        await caps.decide_extension(member("m-b"), cap.id, item_id, extension.extension_id, "refuse", "Too late")
    assert chain_problems(cap.id, cap.history) == []


async def test_one_request_at_a_time_within_the_bound_and_a_refusal_says_why(world) -> None:
    caps, cap, item_id = world
    for too_far_or_early in (date(2026, 3, 31), date(2026, 7, 1)):
        with pytest.raises(InvalidRequestError):
            await caps.request_extension(FACTORY, cap.id, item_id, too_far_or_early, "More time")
    with pytest.raises(PermissionDeniedError):
        await caps.request_extension(member("m-a"), cap.id, item_id, date(2026, 4, 30), "More time")
    cap = await caps.request_extension(FACTORY, cap.id, item_id, date(2026, 4, 30), "More time")
    with pytest.raises(ConflictError):
        await caps.request_extension(FACTORY, cap.id, item_id, date(2026, 4, 29), "Even more")
    extension_id = cap.extensions_of(item_id)[0].extension_id
    with pytest.raises(InvalidRequestError):
        await caps.decide_extension(member("m-b"), cap.id, item_id, extension_id, "refuse", None)
    with pytest.raises(PermissionDeniedError):
        await caps.decide_extension(FACTORY, cap.id, item_id, extension_id, "grant", None)
    cap = await caps.decide_extension(member("m-b"), cap.id, item_id, extension_id, "refuse", "Exits first")
    assert cap.item(item_id).deadline == date(2026, 3, 31)
    assert isinstance(caps.caps.published[-1], CapItemExtensionRefused)
    (refused,) = cap.extensions_of(item_id)
    assert (refused.status, refused.decision_reason, refused.member_id) == ("refused", "Exits first", "m-b")
    seen_by_a = extensions_seen_by(MemberViewer.of(member("m-a"), MemberGroups()), [refused])[0]
    assert (seen_by_a.member_id, seen_by_a.decided_by) == (LINKED_MEMBER, LINKED_MEMBER)
    seen_by_factory = extensions_seen_by(MemberViewer.of(FACTORY, MemberGroups()), [refused])[0]
    assert seen_by_factory.member_id == "m-b"
