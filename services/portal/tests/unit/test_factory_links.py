"""The factory's link pages over a fake gateway: who asks, accept or decline, end a link after confirming."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.testclient import TestClient

from .conftest import FakeGateway, csrf_of, sign_in

REQUEST = {"request_id": "r-1", "member_id": "brand-b", "member_name": "Brand B", "factory_id": "site-1",
           "relationship": "supplier", "status": "requested", "requested_at": "2026-11-02T09:00:00Z",
           "since": "2026-11-02T09:00:00Z"}
LINKED = {"member_id": "brand-a", "member_name": "Brand A", "relationship": "supplier",
          "since": "2026-10-01T09:00:00Z"}


@pytest.fixture
def factory(gateway: FakeGateway, portal: TestClient) -> TestClient:
    gateway.routes.update({
        ("GET", "/access/link-requests"): lambda r: httpx.Response(200, json=[REQUEST]),
        ("GET", "/access/factory-links"): lambda r: httpx.Response(200, json=[LINKED]),
    })
    assert sign_in(portal).status_code == 303
    return portal


def test_the_factory_sees_who_asks_and_accepts_with_a_message(gateway: FakeGateway, factory: TestClient) -> None:
    answers = []
    gateway.routes[("POST", "/access/link-requests/r-1/accept")] = lambda r: answers.append(
        json.loads(r.content)) or httpx.Response(200, json={**REQUEST, "status": "active"})

    page = factory.get("/factory/links")
    done = factory.post("/factory/links/requests/r-1/accept", data={"csrf_token": csrf_of(page.text),
                                                                   "message": " Welcome. "}, follow_redirects=False)

    assert page.status_code == 200 and "Brand B" in page.text and "Brand A" in page.text
    assert 'href="/factory/links"' in page.text and 'aria-current="page"' in page.text
    assert answers == [{"message": "Welcome."}]
    assert done.status_code == 303 and done.headers["location"] == "/factory/links?done=accepted"
    assert "The request is accepted." in factory.get("/factory/links?done=accepted").text


def test_a_request_answered_meanwhile_shows_the_list_with_the_reason(gateway: FakeGateway,
                                                                     factory: TestClient) -> None:
    gateway.routes[("POST", "/access/link-requests/r-1/decline")] = lambda r: httpx.Response(
        409, json={"title": "Conflict", "status": 409, "detail": "this link request was already answered"})

    page = factory.get("/factory/links")
    refused = factory.post("/factory/links/requests/r-1/decline", data={"csrf_token": csrf_of(page.text)})

    assert refused.status_code == 409 and "already answered" in refused.text


def test_ending_a_link_asks_first_then_ends_it(gateway: FakeGateway, factory: TestClient) -> None:
    ended = []
    gateway.routes[("DELETE", "/access/factory-links/brand-a")] = lambda r: ended.append(r) or httpx.Response(
        200, json={})

    confirm = factory.get("/factory/links/brand-a/end")
    done = factory.post("/factory/links/brand-a/end", data={"csrf_token": csrf_of(confirm.text)},
                        follow_redirects=False)

    assert confirm.status_code == 200 and "End the link with Brand A?" in confirm.text
    assert len(ended) == 1 and done.headers["location"] == "/factory/links?done=ended"
    assert factory.get("/factory/links/brand-unknown/end").status_code == 404


def test_the_link_pages_are_the_factorys_only(gateway: FakeGateway, portal: TestClient,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gateway, "tokens", lambda: FakeGateway.tokens(gateway, "member"))
    assert sign_in(portal).status_code == 303
    assert portal.get("/factory/links").status_code == 404
