"""The factory's plan and requests for more time, and a member's answer, over a fake gateway: what the pages
show, what they send, and what comes back next to the fields when cap-service refuses."""

from __future__ import annotations

import json
from functools import partial

import httpx
import pytest
from fastapi.testclient import TestClient

from .conftest import FakeGateway, csrf_of, sign_in

PLAN = {"root_cause": "Key kept by one guard", "corrective_action": "Panic bars", "owner": "Maintenance manager",
        "target_date": "2027-01-20", "updated_by": "user-1", "updated_at": "2026-11-03T00:00:00Z"}
PENDING = {"extension_id": "ext-1", "current_deadline": "2027-01-28", "requested_deadline": "2027-02-20",
           "reason": "Bars on order", "requested_by": "user-1", "requested_at": "2026-11-04T00:00:00Z",
           "status": "pending", "member_id": None, "decided_by": None, "decision_reason": None, "decided_at": None}
REFUSED = {**PENDING, "status": "refused", "member_id": "linked-member", "decided_by": "linked-member",
           "decision_reason": "Exits first", "decided_at": "2026-11-05T00:00:00Z"}


def cap(plan: dict | None = None, extensions: list | None = None) -> dict:
    item = {"item_id": "item-1", "finding_id": "f-1", "severity": "major", "description": "Exit locked",
            "recommended_action": "Unlock it", "deadline": "2027-01-28", "chapter": "S9", "status": "open",
            "evidence_ids": [], "decisions": [], "follow_ups": [], "overdue": False, "plan": plan,
            "extensions": extensions or []}
    return {"cap_id": "cap-1", "audit_id": "audit-1", "factory_id": "site-1", "status": "open",
            "rule_set_version": "2026.1", "opened_at": "2026-11-02T00:00:00Z",
            "progress": {"items_closed": 0, "items_total": 1}, "items": [item]}


def answer(payload, status: int = 200):
    return lambda request: httpx.Response(status, json=payload)


@pytest.fixture
def factory(gateway: FakeGateway, portal: TestClient) -> TestClient:
    gateway.routes.update({("GET", "/caps/caps/cap-1"): answer(cap(PLAN, [REFUSED])),
                           ("GET", "/evidence/caps/cap-1/items/item-1/files"): answer([])})
    assert sign_in(portal).status_code == 303
    return portal


@pytest.fixture
def member(gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch, portal: TestClient) -> TestClient:
    monkeypatch.setattr(gateway, "tokens", partial(FakeGateway.tokens, gateway, "member"))
    gateway.routes.update({("GET", "/caps/caps/cap-1"): answer(cap(PLAN, [REFUSED, PENDING])),
                           ("GET", "/evidence/caps/cap-1/items/item-1/files"): answer([])})
    assert sign_in(portal).status_code == 303
    return portal


def test_the_factory_sees_its_plan_the_refusal_and_may_ask_again(factory: TestClient) -> None:
    page = factory.get("/factory/caps/cap-1")

    assert page.status_code == 200
    assert "Maintenance manager" in page.text and "Exits first" in page.text
    assert 'action="/factory/caps/cap-1/items/item-1/plan"' in page.text
    assert 'action="/factory/caps/cap-1/items/item-1/extensions"' in page.text


def test_a_plan_is_sent_as_written_and_the_page_follows(gateway: FakeGateway, factory: TestClient) -> None:
    sent = []
    gateway.routes[("PUT", "/caps/caps/cap-1/items/item-1/plan")] = (
        lambda r: sent.append(json.loads(r.content)) or httpx.Response(200, json=cap(PLAN)))
    token = csrf_of(factory.get("/factory/caps/cap-1").text)

    page = factory.post("/factory/caps/cap-1/items/item-1/plan", follow_redirects=False, data={
        "csrf_token": token, "root_cause": " Key kept by one guard ", "corrective_action": "Panic bars",
        "owner": "Maintenance manager", "target_date": "2027-01-20"})

    assert page.status_code == 303 and page.headers["location"] == "/factory/caps/cap-1?done=plan#item-item-1"
    assert sent == [{"root_cause": "Key kept by one guard", "corrective_action": "Panic bars",
                     "owner": "Maintenance manager", "target_date": "2027-01-20"}]


def test_a_target_date_past_the_deadline_comes_back_next_to_the_field(gateway: FakeGateway,
                                                                       factory: TestClient) -> None:
    problem = {"title": "Invalid request", "status": 422, "detail": "ask for an extension",
               "errors": [{"field": "body.target_date", "message": "After the deadline: ask for an extension first",
                           "type": "value_error"}]}
    gateway.routes[("PUT", "/caps/caps/cap-1/items/item-1/plan")] = answer(problem, 422)
    token = csrf_of(factory.get("/factory/caps/cap-1").text)

    page = factory.post("/factory/caps/cap-1/items/item-1/plan", data={
        "csrf_token": token, "root_cause": "Why", "corrective_action": "What", "owner": "Who",
        "target_date": "2027-03-01"})

    assert page.status_code == 422
    assert 'id="target_date-item-1-error" role="alert">After the deadline: ask for an extension first' in page.text
    assert 'value="2027-03-01"' in page.text


def test_the_member_reads_the_plan_and_answers_the_waiting_request(gateway: FakeGateway, member: TestClient) -> None:
    sent = []
    gateway.routes[("POST", "/caps/caps/cap-1/items/item-1/extensions/ext-1/decision")] = (
        lambda r: sent.append(json.loads(r.content)) or httpx.Response(200, json=cap(PLAN)))
    token = csrf_of(member.get("/signin").text)

    refused = member.post("/member/caps/cap-1/items/item-1/extensions/ext-1/decision",
                          data={"decision": "refuse", "csrf_token": token})
    granted = member.post("/member/caps/cap-1/items/item-1/extensions/ext-1/decision", follow_redirects=False,
                          data={"decision": "grant", "csrf_token": token})

    assert refused.status_code == 422 and "Say why you refuse" in refused.text
    assert "Maintenance manager" in refused.text and "by another linked member" in refused.text
    assert 'action="/member/caps/cap-1/items/item-1/extensions/ext-1/decision"' in refused.text
    assert granted.status_code == 303
    assert granted.headers["location"] == "/member/sites/site-1?done=granted#item-item-1"
    assert sent == [{"decision": "grant", "reason": None}]
