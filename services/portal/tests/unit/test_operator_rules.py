"""The operator's rule sets page over a fake gateway: the versions of each kind, and a new version uploaded."""

from __future__ import annotations

import json
from functools import partial

import httpx
import pytest
from fastapi.testclient import TestClient

from portal.entrypoints.http.operator import RULE_SETS

from .conftest import FakeGateway, csrf_of, sign_in

RATING = {"version": "2026.1", "description": "", "alert_caps_letter_at": "E",
          "letter_bands": [{"letter": "A", "min_percentage": 86}, {"letter": "E", "min_percentage": 0}]}


def versions(kind: str) -> list[dict]:
    return [{"kind": kind, "version": "2026.1", "published_at": "2026-11-01T08:00:00Z", "shipped": True,
             "in_force": True, "content": None}]


@pytest.fixture
def operator(gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch, portal: TestClient) -> TestClient:
    for kind, path in RULE_SETS.items():
        gateway.routes[("GET", path)] = lambda request, kind=kind: httpx.Response(200, json=versions(kind))
    monkeypatch.setattr(gateway, "tokens", partial(FakeGateway.tokens, gateway, "operator"))
    assert sign_in(portal).status_code == 303
    return portal


def upload(operator: TestClient, kind: str, content: bytes) -> httpx.Response:
    token = csrf_of(operator.get("/operator/rules").text)
    return operator.post("/operator/rules", data={"csrf_token": token, "kind": kind},
                         files={"rules": ("rating.json", content, "application/json")}, follow_redirects=False)


def test_the_operator_sees_each_rule_sets_versions_and_downloads_one(gateway: FakeGateway, operator: TestClient) -> None:
    gateway.routes[("GET", "/audits/rules/rating/versions/2026.1")] = lambda r: httpx.Response(
        200, json={**versions("rating")[0], "content": RATING})

    page = operator.get("/operator/rules")
    downloaded = operator.get("/operator/rules/rating/2026.1.json")

    assert page.status_code == 200 and page.text.count("In force") == len(RULE_SETS)
    assert 'href="/operator/rules/deadlines/2026.1.json"' in page.text
    assert json.loads(downloaded.content) == RATING
    assert 'filename="rating-2026.1.json"' in downloaded.headers["content-disposition"]


def test_an_uploaded_version_is_published_or_its_problems_listed(gateway: FakeGateway, operator: TestClient) -> None:
    sent = []

    def publish(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        if sent[-1]["version"] == "2026.1":
            return httpx.Response(422, json={"title": "Invalid rule set", "status": 422, "detail": "...", "errors": [
                {"field": "body.version", "message": "must be newer than the version in force, 2026.1",
                 "type": "value_error"}]})
        return httpx.Response(201, json={**versions("rating")[0], "version": sent[-1]["version"], "shipped": False})

    gateway.routes[("POST", "/audits/rules/rating/versions")] = publish

    refused = upload(operator, "rating", json.dumps(RATING).encode())
    assert refused.status_code == 422 and "<code>version</code>" in refused.text and "newer than" in refused.text

    published = upload(operator, "rating", json.dumps({**RATING, "version": "2026.2"}).encode())
    assert published.status_code == 303 and sent[-1]["version"] == "2026.2"
    assert "Version 2026.2 of Rating bands is published" in operator.get(published.headers["location"]).text

    assert upload(operator, "rating", b"version: 2026.3").status_code == 422  # not JSON: never sent
    assert len(sent) == 2


def test_no_one_but_the_operator_finds_the_rule_sets_page(portal: TestClient) -> None:
    sign_in(portal)
    assert portal.get("/operator/rules").status_code == 404
