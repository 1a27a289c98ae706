"""Links need the factory's consent, through the gateway against the running stack.

A member asks; until the factory (or the operator on its behalf, with a reason) accepts, the
member sees the site's search card and nothing else. The factory sees who asks, answers, and
can end a link. Another member never learns of the request.
"""

from __future__ import annotations

import pytest

from shared_audits_client import ApiError, PlatformClient, eventually
from shared_audits_client.feed import read_whole_feed, wait_for_topic_record
from shared_audits_client.story import Cast, link_with_consent, publish_report_with_findings
from tests.integration.stack import Stack

pytestmark = pytest.mark.integration

ACCESS_TOPIC = "ics.access.v1"
REQUEST_EVENTS = {"LinkRequested", "LinkRequestAccepted", "LinkRequestDeclined", "LinkRequestWithdrawn"}
FINDING = {"chapter": "S9", "severity": "major", "description": "Fire extinguishers not inspected",
           "recommended_action": "Inspect every extinguisher and keep the log."}


def _status(call) -> int:
    try:
        call()
    except ApiError as error:
        assert error.problem.get("type", "").startswith("urn:shared-audits:problem:"), error.problem
        return error.status
    return 200


def _sees_nothing_but_the_card(member: PlatformClient, cast: Cast, audit_id: str, cap_id: str) -> None:
    site_name = cast.operator.factory(cast.factory_id)["name"]
    cards = member.search_factories(name=site_name)
    assert cast.factory_id in {card["factory_id"] for card in cards}, "the search finds the site's card"
    assert _status(lambda: member.factory(cast.factory_id)) == 404
    assert _status(lambda: member.audits_of_factory(cast.factory_id)) == 404
    assert _status(lambda: member.caps_of_factory(cast.factory_id)) == 404
    assert _status(lambda: member.audit(audit_id)) == 404
    assert _status(lambda: member.cap(cap_id)) == 404
    assert cast.factory_id not in {factory["factory_id"] for factory in member.factories()}


def _sees_the_site(member: PlatformClient, cast: Cast, audit_id: str, cap_id: str) -> None:
    member.factory(cast.factory_id)
    assert audit_id in {audit["audit_id"] for audit in member.audits_of_factory(cast.factory_id)}
    assert cap_id in {cap["cap_id"] for cap in member.caps_of_factory(cast.factory_id)}
    assert member.cap(cap_id)["cap_id"] == cap_id


@pytest.fixture
def audited(cast: Cast) -> tuple[str, str]:
    """Member A linked (with the factory's consent), an audit reported and its CAP open: (audit id, CAP id)."""
    link_with_consent(cast.member_a, cast.factory, cast.factory_id)
    audit = publish_report_with_findings(cast, [FINDING])

    def cap_opened() -> str:
        caps = cast.member_a.caps_of_factory(cast.factory_id)
        assert caps, "no CAP yet"
        return caps[0]["cap_id"]

    return audit["audit_id"], eventually(cap_opened)


def test_a_member_that_asked_sees_only_the_search_card_until_the_factory_accepts(
    stack: Stack, cast: Cast, audited: tuple[str, str]
) -> None:
    audit_id, cap_id = audited
    member_b_id = cast.organisations["member_b"].organisation_id

    # When member B asks to link (twice: the same request comes back).
    request = eventually(lambda: cast.member_b.link_factory(cast.factory_id))
    assert (request["status"], request["active"]) == ("requested", False)
    assert cast.member_b.link_factory(cast.factory_id)["request_id"] == request["request_id"]
    assert [(link["factory_id"], link["status"]) for link in cast.member_b.links()] == [
        (cast.factory_id, "requested")]

    # Then it sees the search card and nothing else, in every service.
    _sees_nothing_but_the_card(cast.member_b, cast, audit_id, cap_id)

    # The factory sees who asks, by name.
    (pending,) = cast.factory.link_requests()
    assert (pending["member_id"], pending["member_name"]) == (member_b_id, cast.organisations["member_b"].name)

    # When the factory accepts, B sees the site's audits and CAPs.
    accepted = cast.factory.accept_link_request(request["request_id"], message="Welcome, Brand B.")
    assert accepted["status"] == "active"
    eventually(lambda: _sees_the_site(cast.member_b, cast, audit_id, cap_id))
    assert cast.factory.link_requests() == []
    assert {link["member_id"] for link in cast.factory.factory_links()} == {
        cast.organisations["member_a"].organisation_id, member_b_id}
    # Answered once.
    assert _status(lambda: cast.factory.accept_link_request(request["request_id"])) == 409

    # B's feed carried its own request and its acceptance ...
    def b_told() -> None:
        types = {entry["event_type"] for entry in cast.member_b.inbox()}
        assert {"LinkRequested", "LinkRequestAccepted", "FactoryLinked"} <= types, types

    eventually(b_told)
    # ... and member A, linked to the same site, never learns that B asked.
    feed_of_a = read_whole_feed(stack.kafka_bootstrap, cast.organisations["member_a"].organisation_id)
    assert not [e for e in feed_of_a if e["type"] in REQUEST_EVENTS and e["payload"]["member_id"] == member_b_id]
    assert not [e for e in cast.member_a.inbox(limit=200) if e["event_type"] in REQUEST_EVENTS
                and e["payload"]["member_id"] == member_b_id]


def test_a_declined_request_leaves_nothing_and_its_member_alone_learns_why(
    stack: Stack, cast: Cast, audited: tuple[str, str]
) -> None:
    audit_id, cap_id = audited
    member_b_id = cast.organisations["member_b"].organisation_id
    request = eventually(lambda: cast.member_b.link_factory(cast.factory_id))

    declined = cast.factory.decline_link_request(request["request_id"], message="We do not supply Brand B.")

    assert declined["status"] == "declined"
    assert cast.member_b.links() == []
    _sees_nothing_but_the_card(cast.member_b, cast, audit_id, cap_id)
    last = cast.member_b.call("GET", f"/access/links/{cast.factory_id}/history")["history"][-1]
    assert (last["step"], last["by"], last["message"]) == ("declined", "factory", "We do not supply Brand B.")

    def b_told() -> None:
        feed = read_whole_feed(stack.kafka_bootstrap, member_b_id, idle_seconds=0.5)
        (decline,) = [e for e in feed if e["type"] == "LinkRequestDeclined"]
        assert decline["payload"]["message"] == "We do not supply Brand B."

    eventually(b_told)
    feed_of_a = read_whole_feed(stack.kafka_bootstrap, cast.organisations["member_a"].organisation_id)
    assert not [e for e in feed_of_a if e["type"] in REQUEST_EVENTS and e["payload"]["member_id"] == member_b_id]

    # B may ask again; this time it withdraws its request before the factory answers.
    again = cast.member_b.link_factory(cast.factory_id)
    assert again["request_id"] != request["request_id"]
    assert cast.member_b.unlink_factory(cast.factory_id)["status"] == "withdrawn"
    assert cast.factory.link_requests() == []


def test_the_factory_ends_a_link_and_the_member_loses_access(cast: Cast, audited: tuple[str, str]) -> None:
    audit_id, cap_id = audited
    link_with_consent(cast.member_b, cast.factory, cast.factory_id)
    eventually(lambda: _sees_the_site(cast.member_b, cast, audit_id, cap_id))

    ended = cast.factory.end_factory_link(cast.organisations["member_b"].organisation_id)

    assert (ended["status"], ended["active"]) == ("ended", False)
    eventually(lambda: _sees_nothing_but_the_card(cast.member_b, cast, audit_id, cap_id))
    last = cast.member_b.call("GET", f"/access/links/{cast.factory_id}/history")["history"][-1]
    assert (last["step"], last["by"]) == ("ended", "factory")
    _sees_the_site(cast.member_a, cast, audit_id, cap_id)  # the other member keeps its link
    assert _status(lambda: cast.factory.end_factory_link(cast.organisations["member_b"].organisation_id)) == 404


def test_the_operator_accepts_for_the_factory_only_with_a_reason_told_in_the_event(
    stack: Stack, cast: Cast
) -> None:
    request = eventually(lambda: cast.member_a.link_factory(cast.factory_id))
    assert request["request_id"] in {r["request_id"] for r in cast.operator.link_requests(cast.factory_id)}

    refused = cast.operator.send("POST", f"/access/link-requests/{request['request_id']}/accept", json={})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in refused.json()["errors"]] == ["body.reason"]

    reason = "The factory's manager asked by phone; its account is being set up (ticket 4411)."
    accepted = cast.operator.accept_link_request(request["request_id"], reason=reason)
    assert accepted["status"] == "active"
    record = wait_for_topic_record(
        stack.kafka_bootstrap, ACCESS_TOPIC,
        lambda envelope: envelope["type"] == "LinkRequestAccepted"
        and envelope["payload"]["request_id"] == request["request_id"])
    assert record is not None, "LinkRequestAccepted not on the access topic"
    assert (record.envelope["payload"]["accepted_by"], record.envelope["payload"]["reason"]) == ("operator", reason)
    eventually(lambda: cast.member_a.factory(cast.factory_id))
    history = cast.member_a.call("GET", f"/access/links/{cast.factory_id}/history")["history"]
    assert (history[-1]["step"], history[-1]["by"], history[-1]["reason"]) == ("accepted", "operator", reason)


def test_only_the_factory_and_the_operator_answer_requests(stack: Stack, cast: Cast) -> None:
    request = eventually(lambda: cast.member_a.link_factory(cast.factory_id))
    for caller in (cast.member_a, cast.member_b, cast.auditor):
        assert _status(lambda caller=caller: caller.link_requests()) == 403
        assert _status(lambda caller=caller: caller.accept_link_request(request["request_id"])) == 403
        assert _status(lambda caller=caller: caller.factory_links()) == 403
    # Another factory's admin: the request does not exist for it.
    other_site = cast.operator.register_factory(f"Other site {cast.factory_id[:8]}", "BD", city="Savar",
                                                confirm_new=True)
    other_org = eventually(lambda: cast.operator.register_organisation(
        f"Other site {cast.factory_id[:8]} (site)", "factory", other_site["factory_id"]))
    other_factory = PlatformClient.login(stack.gateway_url, other_org.client_id, other_org.client_secret)
    try:
        assert other_factory.link_requests() == []
        assert _status(lambda: other_factory.accept_link_request(request["request_id"])) == 404
        assert _status(lambda: other_factory.decline_link_request(request["request_id"])) == 404
    finally:
        other_factory.close()
    assert cast.member_a.links()[0]["status"] == "requested"
