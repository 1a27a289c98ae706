"""The factory's own plan for a CAP item and its requests for more time, through the gateway.

One story on one site: the factory writes a plan that member A reads and member B,
not yet linked, cannot; the factory asks for more time, A grants it and the deadline
moves; a second request, B refuses with a reason; each member reads the other's
decision as a linked member's; the record of it all verifies.
"""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from shared_audits_cli.record_verification import verify_record
from shared_audits_client import ApiError, eventually
from shared_audits_client.story import Cast, link_with_consent
from tests.integration.cap_flows import cap_of_audit, finding, publish_report
from tests.integration.stack import Stack

pytestmark = [pytest.mark.integration]

LINKED_MEMBER = "linked-member"


def refused_with(status: int, call) -> dict:
    with pytest.raises(ApiError) as refused:
        call()
    assert refused.value.status == status, refused.value.problem
    return refused.value.problem


def item_path(cap_id: str, item_id: str) -> str:
    return f"/caps/caps/{cap_id}/items/{item_id}"


def told(client, event_type: str, item_id: str) -> None:
    """The event about this item reached the member's inbox (notifier fans CAP events out to linked members)."""
    def arrived() -> None:
        assert any(entry["event_type"] == event_type and entry["payload"]["item_id"] == item_id
                   for entry in client.inbox()), f"no {event_type} yet"

    eventually(arrived, timeout=20)


def item_of(cap: dict, item_id: str) -> dict:
    return next(item for item in cap["items"] if item["item_id"] == item_id)


def test_the_factory_plans_asks_for_time_and_linked_members_decide(stack: Stack, cast: Cast) -> None:
    # Given a CAP on a site member A is linked to, and member B not (yet)
    link_with_consent(cast.member_a, cast.factory, cast.factory_id)
    cap = cap_of_audit(cast, publish_report(cast, [finding("9 Health and safety", "critical")])["audit_id"])
    cap_id, item = cap["cap_id"], cap["items"][0]
    path, deadline = item_path(cap_id, item["item_id"]), date.fromisoformat(item["deadline"])

    # The factory writes its plan; a target date past the deadline is refused, pointing to an extension
    plan = {"root_cause": "The exit key stays with one guard", "corrective_action": "Panic bars on every exit",
            "owner": "Maintenance manager", "target_date": deadline.isoformat()}
    late = {**plan, "target_date": (deadline + timedelta(days=1)).isoformat()}
    assert "extension" in refused_with(422, lambda: cast.factory.call("PUT", f"{path}/plan", json=late))["detail"]
    cast.factory.call("PUT", f"{path}/plan", json=plan)
    assert item_of(cast.member_a.cap(cap_id), item["item_id"])["plan"]["owner"] == "Maintenance manager"
    refused_with(404, lambda: cast.member_b.cap(cap_id))
    refused_with(403, lambda: cast.member_a.call("PUT", f"{path}/plan", json=plan))

    # The factory asks for more time, not a member; member A grants it: the deadline moves
    link_with_consent(cast.member_b, cast.factory, cast.factory_id)
    first = {"new_deadline": (deadline + timedelta(days=14)).isoformat(), "reason": "Panic bars are on order"}
    refused_with(403, lambda: cast.member_a.call("POST", f"{path}/extensions", json=first))
    requested = item_of(cast.factory.call("POST", f"{path}/extensions", json=first), item["item_id"])
    refused_with(409, lambda: cast.factory.call("POST", f"{path}/extensions", json=first))
    told(cast.member_b, "CapItemExtensionRequested", item["item_id"])
    granted_id = requested["extensions"][0]["extension_id"]
    granted = item_of(cast.member_a.call("POST", f"{path}/extensions/{granted_id}/decision",
                                         json={"decision": "grant"}), item["item_id"])
    assert granted["deadline"] == first["new_deadline"]
    refused_with(409, lambda: cast.member_b.call("POST", f"{path}/extensions/{granted_id}/decision",
                                                 json={"decision": "refuse", "reason": "Too late"}))

    # A second request: member B refuses it, saying why
    second = {"new_deadline": (deadline + timedelta(days=30)).isoformat(), "reason": "The fitter is away"}
    refused_id = item_of(cast.factory.call("POST", f"{path}/extensions", json=second),
                         item["item_id"])["extensions"][1]["extension_id"]
    refused_with(422, lambda: cast.member_b.call("POST", f"{path}/extensions/{refused_id}/decision",
                                                 json={"decision": "refuse"}))
    cast.member_b.call("POST", f"{path}/extensions/{refused_id}/decision",
                       json={"decision": "refuse", "reason": "Exits come first: hire another fitter"})

    # The factory sees both outcomes and who; each member sees the other's decision as a linked member's
    seen_by_factory = item_of(cast.factory.cap(cap_id), item["item_id"])
    assert seen_by_factory["deadline"] == first["new_deadline"]
    assert [(e["status"], e["decision_reason"]) for e in seen_by_factory["extensions"]] == [
        ("granted", None), ("refused", "Exits come first: hire another fitter")]
    member_ids = {role: cast.organisations[role].organisation_id for role in ("member_a", "member_b")}
    assert [e["member_id"] for e in seen_by_factory["extensions"]] == [member_ids["member_a"], member_ids["member_b"]]
    by_b = item_of(cast.member_b.cap(cap_id), item["item_id"])["extensions"]
    assert [(e["member_id"], e["decided_by"]) for e in by_b][0] == (LINKED_MEMBER, LINKED_MEMBER)
    assert by_b[1]["member_id"] == member_ids["member_b"]
    assert item_of(cast.member_a.cap(cap_id), item["item_id"])["extensions"][1]["member_id"] == LINKED_MEMBER

    # The record holds every step and verifies
    record = cast.member_b.call("GET", f"/caps/caps/{cap_id}/record")
    assert [entry["type"] for entry in record["entries"]][1:] == [
        "CapItemPlanUpdated", "CapItemExtensionRequested", "CapItemExtensionGranted",
        "CapItemExtensionRequested", "CapItemExtensionRefused"]
    keys = httpx.get(f"{stack.gateway_url}/caps/record-keys", timeout=10).raise_for_status().json()["keys"]
    assert verify_record(record, trusted_keys=keys).ok
