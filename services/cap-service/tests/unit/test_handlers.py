"""cap-service's use cases over in-memory fakes."""

from datetime import UTC, date, datetime

import pytest

from cap_service.domain.model import Cap
from cap_service.service_layer import handlers as handlers_module
from cap_service.service_layer.handlers import CapHandlers
from shared_audits.contracts import wrap
from shared_audits.contracts.events import (
    CapClosed,
    CapItemAccepted,
    CapItemClosed,
    CapItemEvidenceSubmitted,
    CapItemOverdue,
    CapItemRejected,
    CapItemReopened,
    CapOpened,
)
from shared_audits.errors import ConflictError, InvalidEventError, InvalidRequestError, NotFoundError
from shared_audits.testing import factory_account, member, operator

from .fakes import REPORT, follow_up, open_cap, open_caps, stored


async def test_a_report_opens_one_cap_with_deadlines_by_severity_however_often_it_arrives(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    await caps.open_cap(REPORT, wrap(REPORT, producer="audit-service"))
    assert [type(e) for e in caps.caps.published] == [CapOpened]
    assert [item.deadline for item in cap.items] == [date(2026, 3, 31), date(2026, 5, 30)]
    assert cap.rule_set_version == "2026.1"


async def test_member_b_sees_progress_validated_by_member_a(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    await caps.record_evidence(stored(cap, 0, "e-1"), None)
    await caps.decide(member("m-a"), cap.id, cap.items[0].item_id, "accept", "Verified")
    seen_by_b = await caps.cap_for(member("m-b"), cap.id)
    assert seen_by_b.items[0].status == "accepted"
    assert seen_by_b.decisions_of(seen_by_b.items[0].item_id)[0].member_id == "m-a"
    assert seen_by_b.progress().model_dump() == {"items_closed": 1, "items_total": 2}
    accepted = caps.caps.published[-1]
    assert isinstance(accepted, CapItemAccepted) and accepted.progress.items_closed == 1


async def test_rejection_needs_a_comment_and_resubmission_reopens_the_decision(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    item_id = cap.items[1].item_id
    await caps.record_evidence(stored(cap, 1, "e-1"), None)
    with pytest.raises(InvalidRequestError):
        await caps.decide(member("m-a"), cap.id, item_id, "reject", None)
    await caps.decide(member("m-a"), cap.id, item_id, "reject", "Log is unsigned")
    with pytest.raises(ConflictError):
        await caps.decide(member("m-b"), cap.id, item_id, "accept", None)
    await caps.record_evidence(stored(cap, 1, "e-2"), None)
    await caps.decide(member("m-b"), cap.id, item_id, "accept", None)
    seen = await caps.cap_for(member("m-a"), cap.id)
    item = seen.items[1]
    assert [d.decision for d in seen.decisions_of(item_id)] == ["reject", "accept"]
    assert item.evidence_ids == ["e-1", "e-2"]
    assert CapItemRejected in [type(e) for e in caps.caps.published]


async def test_the_cap_closes_when_every_item_is_accepted(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    for index in (0, 1):
        await caps.record_evidence(stored(cap, index, f"e-{index}"), None)
        await caps.decide(member("m-a"), cap.id, cap.items[index].item_id, "accept", None)
    assert (await caps.caps.get(cap.id)).status == "closed"
    assert isinstance(caps.caps.published[-1], CapClosed)


async def test_the_same_evidence_twice_is_recorded_once(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    await caps.record_evidence(stored(cap, 0, "e-1"), None)
    await caps.record_evidence(stored(cap, 0, "e-1"), None)
    assert [type(e) for e in caps.caps.published].count(CapItemEvidenceSubmitted) == 1


async def test_evidence_for_an_unknown_cap_is_refused_as_an_event(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    with pytest.raises(InvalidEventError):
        await caps.record_evidence(stored(cap, 0, "e-1").model_copy(update={"cap_id": "nope"}), None)


async def test_unlinked_members_and_other_factories_see_no_cap(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    for caller in (member("m-c"), factory_account("f-2")):
        with pytest.raises(NotFoundError):
            await caps.cap_for(caller, cap.id)
        with pytest.raises(NotFoundError):
            await caps.decide(caller, cap.id, cap.items[0].item_id, "accept", None)
    assert (await caps.cap_for(factory_account("f-1"), cap.id)).id == cap.id


async def test_an_item_past_its_deadline_is_reported_overdue_once(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    assert await caps.flag_overdue_items(date(2026, 3, 31)) == 0  # the deadline day itself is not late
    assert await caps.flag_overdue_items(date(2026, 4, 1)) == 1
    assert await caps.flag_overdue_items(date(2026, 4, 2)) == 0  # once, however often the job runs
    overdue = [e for e in caps.caps.published if isinstance(e, CapItemOverdue)]
    assert [(e.item_id, e.deadline) for e in overdue] == [(cap.items[0].item_id, date(2026, 3, 31))]


async def test_the_overdue_scan_reads_a_cap_only_once_a_deadline_that_can_still_pass_has_passed(
    caps: CapHandlers,
) -> None:
    cap = await open_cap(caps)
    # Stored with the CAP: the earliest deadline of an item not done and not yet reported for it.
    assert cap.next_overdue_deadline == date(2026, 3, 31)
    assert cap.state()["next_overdue_deadline"] == "2026-03-31"
    assert await caps.caps.find_before("next_overdue_deadline", "2026-03-31") == []
    await caps.flag_overdue_items(date(2026, 4, 1))
    # Reported: the next item's deadline is the one to watch; until it passes, the scan skips the CAP.
    assert (await caps.caps.get(cap.id)).next_overdue_deadline == date(2026, 5, 30)
    assert await caps.caps.find_before("next_overdue_deadline", "2026-05-30") == []
    assert await caps.flag_overdue_items(date(2026, 5, 31)) == 1
    assert (await caps.caps.get(cap.id)).next_overdue_deadline is None


async def test_an_item_reads_overdue_once_flagged_until_it_is_done_or_its_deadline_moves(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    assert [item.overdue for item in cap.items] == [False, False]  # late, but not yet flagged by the check
    await caps.flag_overdue_items(date(2026, 4, 1))
    flagged = await caps.caps.get(cap.id)
    assert [item.overdue for item in flagged.items] == [True, False]
    flagged.items[0].deadline = date(2026, 6, 30)  # an extension granted: the new deadline is not late yet
    assert not flagged.items[0].overdue
    await caps.record_evidence(stored(cap, 0, "e-1"), None)
    await caps.decide(member("m-a"), cap.id, cap.items[0].item_id, "accept", None)
    assert not (await caps.caps.get(cap.id)).items[0].overdue  # done: no longer late


async def test_the_overdue_scan_reads_every_late_cap_a_page_at_a_time(
    caps: CapHandlers, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(handlers_module, "OVERDUE_SCAN_PAGE", 2)
    await open_caps(caps, [f"a-{index}" for index in range(5)])
    assert await caps.flag_overdue_items(date(2026, 4, 1)) == 5  # the critical item of each CAP
    assert await caps.flag_overdue_items(date(2026, 4, 1)) == 0


async def test_a_follow_up_naming_no_audit_re_checks_every_open_cap_of_the_factory_a_page_at_a_time(
    caps: CapHandlers, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(handlers_module, "FOLLOW_UP_PAGE", 2)
    await open_caps(caps, [f"initial-{index}" for index in range(5)])
    report = follow_up([])  # everything corrected
    await caps.open_cap(report, wrap(report, producer="audit-service"))
    assert [cap.status for cap in await caps.caps.find(factory_id="f-1")] == ["closed"] * 5


async def test_an_accepted_item_is_never_overdue(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    await caps.record_evidence(stored(cap, 0, "e-1"), None)
    await caps.decide(member("m-a"), cap.id, cap.items[0].item_id, "accept", None)
    assert await caps.flag_overdue_items(date(2026, 4, 1)) == 0


async def test_the_overdue_check_as_of_another_day_is_for_operators_in_development_only(caps: CapHandlers) -> None:
    await open_cap(caps)
    with pytest.raises(NotFoundError):
        await caps.scan_overdue_as_of(operator(), date(2026, 4, 1))  # disabled by default
    caps.clock_override_allowed = True
    with pytest.raises(NotFoundError):
        await caps.scan_overdue_as_of(member("m-a"), date(2026, 4, 1))
    assert await caps.scan_overdue_as_of(operator(), date(2026, 4, 1)) == 1


async def test_a_follow_up_closes_corrected_items_and_reopens_findings_found_again(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    await caps.record_evidence(stored(cap, 0, "e-1"), None)
    await caps.decide(member("m-a"), cap.id, cap.items[0].item_id, "accept", None)
    again = {"finding_id": "n-9", "chapter": " 9 ", "severity": "major", "description": "Exit locked again",
             "recommended_action": "Unlock"}
    report = follow_up([again])
    await caps.open_cap(report, wrap(report, producer="audit-service"))

    after = await caps.caps.get(cap.id)
    assert [item.status for item in after.items] == ["open", "closed"]
    assert after.items[0].deadline == date(2026, 10, 31)  # new deadline for a major finding
    assert [c.outcome for c in after.follow_ups_of(after.items[0].item_id)] == ["reopened"]
    assert {type(e) for e in caps.caps.published} >= {CapItemReopened, CapItemClosed}
    # The finding found again lives on in the old item: no new CAP for it.
    assert await caps.caps.get(Cap.id_for_audit("a-2")) is None


async def test_a_follow_up_that_finds_nothing_closes_the_cap_once(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    report = follow_up([], follows="a-1")
    for _ in range(2):
        await caps.open_cap(report, wrap(report, producer="audit-service"))
    after = await caps.caps.get(cap.id)
    assert after.status == "closed" and after.progress().items_closed == 2
    assert [type(e) for e in caps.caps.published].count(CapClosed) == 1


async def test_a_second_decision_racing_the_first_is_a_conflict(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    await caps.record_evidence(stored(cap, 0, "e-1"), None)
    item_id = cap.items[0].item_id
    first, second = await caps.cap_for(member("m-a"), cap.id), await caps.cap_for(member("m-b"), cap.id)
    first.decide(item_id, "accept", "m-a", "client-m-a", None, datetime(2026, 4, 1, tzinfo=UTC))
    second.decide(item_id, "reject", "m-b", "client-m-b", "No", datetime(2026, 4, 1, tzinfo=UTC))
    await caps.caps.save(first)
    with pytest.raises(ConflictError):
        await caps.caps.save(second)
    assert [d.member_id for d in (await caps.caps.get(cap.id)).decisions_of(item_id)] == ["m-a"]


async def test_decisions_on_two_items_of_one_cap_at_the_same_moment_both_apply(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    for index in (0, 1):
        await caps.record_evidence(stored(cap, index, f"e-{index}"), None)
    read = caps.caps.get
    raced = False

    async def read_then_race(cap_id: str) -> Cap | None:
        nonlocal raced
        found = await read(cap_id)
        if not raced:  # member B decides item 1 between A's read and A's write
            raced = True
            await caps.decide(member("m-b"), cap_id, cap.items[1].item_id, "accept", None)
        return found

    caps.caps.get = read_then_race  # type: ignore[method-assign]
    await caps.decide(member("m-a"), cap.id, cap.items[0].item_id, "accept", None)

    decided = await read(cap.id)
    assert [(item.status, len(decided.decisions_of(item.item_id))) for item in decided.items[:2]] == [
        ("accepted", 1), ("accepted", 1)]
    with pytest.raises(ConflictError):  # the same item twice is still refused
        await caps.decide(member("m-b"), cap.id, cap.items[0].item_id, "accept", None)


async def test_overdue_is_emitted_once_across_a_restart_and_a_second_instance(caps: CapHandlers) -> None:
    cap = await open_cap(caps)
    late = date(2026, 4, 1)
    # Two instances read the same CAP in the same moment: only one write of the flag is accepted.
    first, second = await caps.caps.get(cap.id), await caps.caps.get(cap.id)
    now = datetime(2026, 4, 1, 6, tzinfo=UTC)
    assert first.flag_overdue(late, now) and second.flag_overdue(late, now)
    await caps.caps.save(first)
    with pytest.raises(ConflictError):
        await caps.caps.save(second)
    # A restarted process (new handlers, same store) finds the flag saved and emits nothing.
    restarted = CapHandlers(caps=caps.caps, links=caps.links, deadline_rules=caps.deadline_rules)
    assert await restarted.flag_overdue_items(late) == 0
    assert [type(e) for e in caps.caps.published].count(CapItemOverdue) == 1


async def test_a_factory_s_caps_are_read_a_bounded_page_at_a_time(caps: CapHandlers) -> None:
    await open_caps(caps, [f"a-{index}" for index in range(5)])
    pages, cursor = [], None
    while True:
        page, cursor = await caps.caps_of_factory(member("m-a"), "f-1", limit=2, after=cursor)
        pages.append([cap.id for cap in page])
        if cursor is None:
            break
    assert [len(page) for page in pages] == [2, 2, 1]
    every_cap = [cap_id for page in pages for cap_id in page]
    assert every_cap == sorted(Cap.id_for_audit(f"a-{index}") for index in range(5))
    with pytest.raises(NotFoundError):
        await caps.caps_of_factory(member("m-z"), "f-1")
