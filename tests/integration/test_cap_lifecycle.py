"""The CAP item lifecycle through the gateway: rejection and resubmission, races, overdue, follow-up."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest

from shared_audits_client import ApiError, PlatformClient, eventually
from shared_audits_client.feed import read_whole_feed, wait_for_feed_record
from shared_audits_client.story import Cast
from tests.integration.cap_flows import (
    finding,
    item_status,
    open_cap,
    publish_report,
    submit_evidence,
)
from tests.integration.stack import Stack

# serial: the operator's as-of overdue scan flags every item on the stack (runs after the parallel part of make test).
pytestmark = pytest.mark.serial


def test_rejection_and_resubmission_keep_every_evidence_version(stack: Stack, cast: Cast) -> None:
    cap = open_cap(cast, [finding("8 Remuneration and benefits")])
    cap_id, item_id = cap["cap_id"], cap["items"][0]["item_id"]
    first = submit_evidence(cast, cap_id, item_id, "payslips.pdf")

    cast.member_a.decide(cap_id, item_id, "reject", "Payslips for March are missing.")
    assert item_status(cast, cap_id, item_id) == "rejected"
    second = submit_evidence(cast, cap_id, item_id, "payslips-complete.pdf")
    seen_by_b = cast.member_b.decide(cap_id, item_id, "accept", "Complete now.")

    item = seen_by_b["items"][0]
    assert item["status"] == "accepted" and item["evidence_ids"] == [first["evidence_id"], second["evidence_id"]]
    member_b = cast.organisations["member_b"].organisation_id
    # B sees A's rejection as a linked member's (members do not learn each other's names), and its own acceptance.
    assert [(d["decision"], d["member_id"], d["comment"]) for d in item["decisions"]] == [
        ("reject", "linked-member", "Payslips for March are missing."), ("accept", member_b, "Complete now."),
    ]

    def versions_reviewed() -> list[dict]:
        versions = cast.member_b.evidence_versions(cap_id, item_id)
        assert [v["review_status"] for v in versions] == ["rejected", "accepted"], versions
        return versions

    versions = eventually(versions_reviewed)
    assert [(v["version_number"], v["filename"]) for v in versions] == [(1, "payslips.pdf"), (2, "payslips-complete.pdf")]
    assert versions[0]["review_comment"] == "Payslips for March are missing."
    # The rejected version is kept, not overwritten: it still downloads.
    assert cast.member_a.evidence_download(first["evidence_id"])["expires_in"] <= 600


def test_a_second_decision_racing_the_first_gets_409_and_is_not_applied(stack: Stack, cast: Cast) -> None:
    cap = open_cap(cast, [finding("7 Working hours and overtime"), finding("9 Health and safety"),
                          finding("3 Forced labour", "minor")])
    for item in cap["items"]:
        submit_evidence(cast, cap["cap_id"], item["item_id"])

    for item in cap["items"]:
        decisions = [(cast.member_a, "accept", None), (cast.member_b, "reject", "Not enough.")]
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [pool.submit(member.decide, cap["cap_id"], item["item_id"], decision, comment)
                       for member, decision, comment in decisions]
            outcomes = []
            for future in futures:
                try:
                    future.result()
                    outcomes.append(200)
                except ApiError as error:
                    outcomes.append(error.status)
        assert sorted(outcomes) == [200, 409], outcomes
        decided = next(i for i in cast.member_b.cap(cap["cap_id"])["items"] if i["item_id"] == item["item_id"])
        assert len(decided["decisions"]) == 1  # exactly one decision applied


def test_a_decision_by_an_unlinked_member_is_404(stack: Stack, cast: Cast) -> None:
    cap = open_cap(cast, [finding("4 Non-discrimination")])
    outsider_org = cast.operator.register_organisation("Brand D (not linked)", "member")
    outsider = PlatformClient.login(stack.gateway_url, outsider_org.client_id, outsider_org.client_secret)
    try:
        with pytest.raises(ApiError) as refused:
            outsider.decide(cap["cap_id"], cap["items"][0]["item_id"], "accept")
        assert refused.value.status == 404
        with pytest.raises(ApiError) as unknown:
            outsider.decide("no-such-cap", "no-such-item", "accept")
        assert unknown.value.status == 404 and unknown.value.problem == {**refused.value.problem,
                                                                        "detail": unknown.value.problem["detail"]}
    finally:
        outsider.close()


def test_an_overdue_item_is_reported_once(stack: Stack, cast: Cast) -> None:
    cap = open_cap(cast, [finding("9 Health and safety", "critical", "Emergency exit locked")])
    item = cap["items"][0]
    deadline = date.fromisoformat(item["deadline"])
    assert deadline == date.fromisoformat(cap["opened_at"][:10]) + timedelta(days=30)  # critical: rule 2026.1

    # The scheduled check, run by an operator as of days after the deadline (refused in production).
    with pytest.raises(ApiError) as refused:
        cast.member_a.run_overdue_check((deadline + timedelta(days=1)).isoformat())
    assert refused.value.status == 404
    assert cast.operator.run_overdue_check(deadline.isoformat())["as_of"] == deadline.isoformat()
    assert cast.member_b.cap(cap["cap_id"])["items"][0]["overdue"] is False  # due today is not late
    cast.operator.run_overdue_check((deadline + timedelta(days=1)).isoformat())
    cast.operator.run_overdue_check((deadline + timedelta(days=2)).isoformat())
    assert cast.member_b.cap(cap["cap_id"])["items"][0]["overdue"] is True

    member_b = cast.organisations["member_b"].organisation_id
    record = wait_for_feed_record(
        stack.kafka_bootstrap, member_b,
        lambda e: e["type"] == "CapItemOverdue" and e["payload"]["item_id"] == item["item_id"],
    )
    assert record is not None and record.envelope["payload"]["deadline"] == deadline.isoformat()
    overdue = [e for e in read_whole_feed(stack.kafka_bootstrap, member_b)
               if e["type"] == "CapItemOverdue" and e["payload"]["item_id"] == item["item_id"]]
    assert len(overdue) == 1


def test_a_follow_up_audit_closes_corrected_items_and_reopens_findings_found_again(stack: Stack, cast: Cast) -> None:
    cap = open_cap(cast, [finding("9 Health and safety"), finding("7 Working hours and overtime")])
    safety, hours = cap["items"]
    submit_evidence(cast, cap["cap_id"], safety["item_id"])
    cast.member_a.decide(cap["cap_id"], safety["item_id"], "accept", "Looked fine on paper.")

    # The follow-up finds the safety problem again, and the working hours corrected.
    follow_up = publish_report(cast, [finding("9 health and safety", "critical", "Extinguishers still expired")],
                               audit_type="follow_up")

    def reviewed() -> dict:
        seen = cast.member_b.cap(cap["cap_id"])
        assert [i["status"] for i in seen["items"]] == ["open", "closed"], seen["items"]
        return seen

    seen = eventually(reviewed)
    reopened, closed = seen["items"]
    assert [c["outcome"] for c in reopened["follow_ups"]] == ["reopened"]
    assert reopened["follow_ups"][0]["audit_id"] == follow_up["audit_id"]
    assert [c["outcome"] for c in closed["follow_ups"]] == ["closed"]
    assert reopened["decisions"][0]["decision"] == "accept"  # the history stays
    assert seen["progress"] == {"items_closed": 1, "items_total": 2} and seen["status"] == "open"
    # The finding found again lives on in the old item: the follow-up opens no CAP of its own
    # (decided in the same event handling that changed the items above).
    caps = cast.member_a.caps_of_factory(cast.factory_id)
    assert [c["audit_id"] for c in caps] == [cap["audit_id"]]
