"""Members do not learn each other's supply chains: another member is "a linked member", through the gateway.

Member A mandates the audit and decides on evidence; member B, linked to the same site, sees
that an audit was mandated and an item decided, never by whom: in audit-service, cap-service,
its feed and its inbox. The factory, the audit company and the operator see who. A member group
the operator publishes (on its members' agreement) shows names between its members, at run time;
dissolved, it hides them again.
"""

from __future__ import annotations

import pytest

from shared_audits.member_groups import LINKED_MEMBER
from shared_audits_client import ApiError, PlatformClient, eventually
from shared_audits_client.feed import read_whole_feed
from shared_audits_client.story import Cast, link_with_consent, semi_announced_window
from tests.integration.cap_flows import cap_of_audit, finding, publish_report, submit_evidence
from tests.integration.stack import Stack

AGREEMENT = "Data-sharing letters of both members, kept by the operator"


def ids(cast: Cast) -> tuple[str, str]:
    return cast.organisations["member_a"].organisation_id, cast.organisations["member_b"].organisation_id


def who_decided(client: PlatformClient, cap_id: str) -> list[tuple[str, str]]:
    return [(decision["member_id"], decision["decided_by"])
            for item in client.cap(cap_id)["items"] for decision in item["decisions"]]


def who_mandated(client: PlatformClient, cast: Cast, audit_id: str) -> str:
    listed = {audit["audit_id"]: audit["member_id"] for audit in client.audits_of_factory(cast.factory_id)}
    assert listed[audit_id] == client.audit(audit_id)["member_id"]
    return listed[audit_id]


def decided_cap(cast: Cast) -> tuple[dict, dict]:
    """B links first (so it hears of A's link), then A; A mandates, the factory submits, A rejects."""
    link_with_consent(cast.member_b, cast.factory, cast.factory_id)
    link_with_consent(cast.member_a, cast.factory, cast.factory_id)
    audit = publish_report(cast, [finding("9 Health and safety")])
    cap = cap_of_audit(cast, audit["audit_id"])
    item_id = cap["items"][0]["item_id"]
    submit_evidence(cast, cap["cap_id"], item_id)
    cast.member_a.decide(cap["cap_id"], item_id, "reject", "The extinguisher tags are not dated.")
    return audit, cap


def test_member_b_sees_that_a_linked_member_mandated_and_decided_and_never_who(stack: Stack, cast: Cast) -> None:
    audit, cap = decided_cap(cast)
    member_a, member_b = ids(cast)
    user_of_a = who_decided(cast.member_a, cap["cap_id"])[0][1]

    # cap-service: B reads the decision and its comment, by "a linked member"; A reads its own.
    assert who_decided(cast.member_b, cap["cap_id"]) == [(LINKED_MEMBER, LINKED_MEMBER)]
    [item] = cast.member_b.cap(cap["cap_id"])["items"]
    assert item["status"] == "rejected" and item["decisions"][0]["comment"] == "The extinguisher tags are not dated."
    assert [(d["member_id"], d["decided_by"]) for cap_seen in cast.member_b.caps_of_factory(cast.factory_id)
            for i in cap_seen["items"] for d in i["decisions"]] == [(LINKED_MEMBER, LINKED_MEMBER)]
    assert who_decided(cast.member_a, cap["cap_id"]) == [(member_a, user_of_a)]
    # audit-service: B sees that an audit was mandated, not by whom.
    assert who_mandated(cast.member_b, cast, audit["audit_id"]) == LINKED_MEMBER
    assert who_mandated(cast.member_a, cast, audit["audit_id"]) == member_a
    # The factory, the audit company and the operator see who.
    for client in (cast.factory, cast.operator):
        assert who_decided(client, cap["cap_id"]) == [(member_a, user_of_a)]
        assert who_mandated(client, cast, audit["audit_id"]) == member_a
    assert cast.auditor.audit(audit["audit_id"])["member_id"] == member_a

    # notifier: B's feed and inbox tell of A's link, mandate and rejection without A's id; A's name itself.
    def told(client: PlatformClient, member_id: str) -> tuple[list[dict], list[dict]]:
        wanted = {"FactoryLinked", "AuditMandated", "CapItemRejected"}
        feed = [e for e in read_whole_feed(stack.kafka_bootstrap, member_id, idle_seconds=1.0)
                if e["key"] == cast.factory_id and e["type"] in wanted]
        inbox = [e for e in client.inbox(limit=500) if e["event_type"] in wanted]
        assert {e["type"] for e in feed} == wanted and {e["event_type"] for e in inbox} == wanted, "not told yet"
        return feed, inbox

    feed_of_b, inbox_of_b = eventually(lambda: told(cast.member_b, member_b), timeout=60.0)
    linked_a = [e for e in feed_of_b if e["type"] == "FactoryLinked" and e["payload"]["member_id"] != member_b]
    assert [e["payload"]["member_id"] for e in linked_a] == [LINKED_MEMBER]
    for payload in [e["payload"] for e in feed_of_b] + [e["payload"] for e in inbox_of_b]:
        assert member_a not in str(payload) and user_of_a not in str(payload), payload
    rejected = next(e["payload"] for e in inbox_of_b if e["event_type"] == "CapItemRejected")
    assert (rejected["member_id"], rejected["decided_by"]) == (LINKED_MEMBER, LINKED_MEMBER)
    feed_of_a, _ = eventually(lambda: told(cast.member_a, member_a), timeout=60.0)
    rejected_for_a = next(e["payload"] for e in feed_of_a if e["type"] == "CapItemRejected")
    assert (rejected_for_a["member_id"], rejected_for_a["decided_by"]) == (member_a, user_of_a)


def test_members_of_a_group_see_each_others_names_until_it_is_dissolved(stack: Stack, cast: Cast) -> None:
    audit, cap = decided_cap(cast)
    member_a, member_b = ids(cast)
    user_of_a = who_decided(cast.member_a, cap["cap_id"])[0][1]
    outsider_org = cast.operator.register_organisation(f"Brand C {cast.factory_id[:8]}", "member")
    outsider = PlatformClient.login(stack.gateway_url, outsider_org.client_id, outsider_org.client_secret)
    try:
        link_with_consent(outsider, cast.factory, cast.factory_id)
        group = cast.operator.call("POST", "/access/member-groups", json={
            "name": f"Pilot {cast.factory_id[:8]}", "member_ids": [member_a, member_b], "agreement": AGREEMENT})

        # Every service follows the group at run time: B sees A by its id, in the CAP and the audits.
        def b_sees_a() -> None:
            assert who_decided(cast.member_b, cap["cap_id"]) == [(member_a, user_of_a)]
            assert who_mandated(cast.member_b, cast, audit["audit_id"]) == member_a

        eventually(b_sees_a, timeout=30.0)
        # ... and in what it is told from now on (the groups reach notifier by their own partition: the
        # first mandate after the group may still be told masked, so A mandates until one is told by name).
        def told_by_name() -> None:
            mandated = cast.member_a.mandate_audit(cast.factory_id, cast.organisations["auditor"].organisation_id,
                                                   **semi_announced_window())

            def arrived() -> dict:
                told = [e for e in cast.member_b.inbox(limit=500)
                        if e["event_type"] == "AuditMandated" and e["payload"]["audit_id"] == mandated["audit_id"]]
                assert told, "the mandate has not reached B yet"
                return told[0]

            assert eventually(arrived, timeout=30.0)["payload"]["member_id"] == member_a

        eventually(told_by_name, timeout=60.0, interval=1.0)
        # A member outside the group still sees "a linked member"; each member reads only its own groups.
        assert who_decided(outsider, cap["cap_id"]) == [(LINKED_MEMBER, LINKED_MEMBER)]
        assert outsider.call("GET", "/access/member-groups") == []
        [seen_by_b] = cast.member_b.call("GET", "/access/member-groups")
        assert {m["member_id"]: m["name"] for m in seen_by_b["members"]} == {
            member_a: cast.organisations["member_a"].name, member_b: cast.organisations["member_b"].name}
        assert seen_by_b["agreement"] is None
        assert group["group_id"] in {g["group_id"] for g in cast.operator.call("GET", "/access/member-groups")}

        assert cast.operator.send("DELETE", f"/access/member-groups/{group['group_id']}").status_code == 204

        def b_sees_a_linked_member_again() -> None:
            assert who_decided(cast.member_b, cap["cap_id"]) == [(LINKED_MEMBER, LINKED_MEMBER)]
            assert who_mandated(cast.member_b, cast, audit["audit_id"]) == LINKED_MEMBER

        eventually(b_sees_a_linked_member_again, timeout=30.0)
        assert cast.member_b.call("GET", "/access/member-groups") == []
    finally:
        outsider.close()


def test_only_the_operator_publishes_a_group_and_only_of_members(stack: Stack, cast: Cast) -> None:
    member_a, member_b = ids(cast)
    body = {"name": "Pilot", "member_ids": [member_a, member_b], "agreement": AGREEMENT}
    with pytest.raises(ApiError) as refused:
        cast.member_a.call("POST", "/access/member-groups", json=body)
    assert refused.value.status == 403
    auditor = cast.organisations["auditor"].organisation_id
    with pytest.raises(ApiError) as refused:
        cast.operator.call("POST", "/access/member-groups", json={**body, "member_ids": [member_a, auditor]})
    assert refused.value.status == 422
    assert refused.value.problem["errors"][0]["field"] == "body.member_ids"
    for client in (cast.factory, cast.auditor):
        with pytest.raises(ApiError) as refused:
            client.call("GET", "/access/member-groups")
        assert refused.value.status == 403
