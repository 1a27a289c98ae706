"""A member's export over a fake gateway: the page's counts, the streamed archive, the API and who may use it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from functools import partial

import httpx
import pytest
from fastapi.testclient import TestClient

from .conftest import FakeGateway, fake_jwt, sign_in
from .test_member_pages import CALM, EVIDENCE, SITE, answer, audit, cap

PDF = b"%PDF-1.4 a permit\n"
RECORD = {"format": "shared-audits/cap-record", "cap_id": "cap-1", "entries": []}
HISTORY = {"member_id": "org-1", "factory_id": "site-1", "relationship": "supplier", "active": True,
           "status": "active", "since": "2026-01-01T00:00:00Z",
           "history": [{"linked": False, "relationship": "supplier", "at": "2025-12-30T00:00:00Z", "step": "requested"},
                       {"linked": True, "relationship": "supplier", "at": "2026-01-01T00:00:00Z", "step": "accepted"}]}


def _routes() -> dict:
    return {
        ("GET", "/access/organisations/me"): answer({"organisation_id": "org-1", "name": "Brand", "kind": "member"}),
        ("GET", "/access/links"): answer([{"member_id": "org-1", "factory_id": "site-1", "relationship": "supplier",
                                          "active": True, "since": "2026-01-01T00:00:00Z"}]),
        ("GET", "/access/links/site-1/history"): answer(HISTORY),
        ("GET", "/registry/factories"): answer([SITE, CALM]),
        ("GET", "/audits/audits"): lambda r: httpx.Response(200, json=[audit(r.url.params["factory_id"], "B")]),
        ("GET", "/caps/caps"): lambda r: httpx.Response(200, json=[cap()] if r.url.params["factory_id"] == "site-1"
                                                        else []),
        ("GET", "/caps/caps/cap-1/record"): answer(RECORD),
        ("GET", "/evidence/caps/cap-1/items/item-1/files"): answer([{**EVIDENCE, "filename": "../permit.pdf",
                                                                     "size_bytes": len(PDF)}]),
        ("GET", "/evidence/files/ev-1/download"): answer({"url": "http://files.test/ev-1?signature=x",
                                                          "expires_in": 300}),
        ("GET", "/ev-1"): lambda r: httpx.Response(200, content=PDF),
        ("GET", "/notifier/inbox"): answer([{"event_id": "e-1", "factory_id": "site-1", "type": "CapOpened"}]),
    }


@pytest.fixture
def member(gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch, portal: TestClient) -> TestClient:
    monkeypatch.setattr(gateway, "tokens", partial(FakeGateway.tokens, gateway, "member"))
    gateway.routes.update(_routes())
    assert sign_in(portal).status_code == 303
    return portal


def _archive(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


def test_the_export_page_counts_what_the_archive_will_hold(member: TestClient) -> None:
    page = member.get("/member/export")

    assert page.status_code == 200
    assert 'href="/member/export.zip"' in page.text
    assert "18 bytes" in page.text  # the evidence files' total size, against which the download progresses


def test_the_archive_streams_every_table_the_records_and_the_files_with_a_manifest(member: TestClient) -> None:
    response = member.get("/member/export.zip")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith('attachment; filename="shared-audits-export-')
    assert "content-length" not in response.headers and "content-encoding" not in response.headers
    with _archive(response.content) as archive:
        document = json.loads(archive.read("export.json"))
        assert (document["format"], document["version"]) == ("shared-audits-member-export", 2)
        assert document["manifest"]["counts"] == {
            "links": 1, "link_history": 2, "factories": 2, "profiles": 0, "supply_chain": 0, "audits": 2,
            "caps": 1, "cap_items": 1, "evidence": 1, "inbox": 1}
        # the file's name cannot climb out of its folder
        assert archive.read("evidence/ev-1/permit.pdf") == PDF
        assert json.loads(archive.read("records/cap-1.json")) == RECORD
        for name, expected in document["manifest"]["files"].items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == expected["sha256"], name
        assert set(document["manifest"]["files"]) == set(archive.namelist()) - {"export.json"}
        history = list(csv.DictReader(io.StringIO(archive.read("link_history.csv").decode())))
        assert [row["step"] for row in history] == ["requested", "accepted"]


def test_the_api_streams_the_archive_for_a_members_bearer_token(gateway: FakeGateway, portal: TestClient) -> None:
    gateway.routes.update(_routes())
    token = fake_jwt({"sub": "client-1", "org": "org-1", "org_kind": "member"})

    response = portal.get("/api/export.zip", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    with _archive(response.content) as archive:
        assert "export.json" in archive.namelist()
    assert all(r.headers["Authorization"] == f"Bearer {token}" for r in gateway.requests
               if r.url.host != "files.test")  # the store's presigned address never gets the token
    assert not [r for r in gateway.requests if r.url.host == "files.test" and "Authorization" in r.headers]


def test_the_api_answers_401_without_a_valid_token_and_404_to_a_non_member(gateway: FakeGateway,
                                                                           portal: TestClient) -> None:
    gateway.routes.update(_routes())
    missing = portal.get("/api/export.zip")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 401

    gateway.routes[("GET", "/access/organisations/me")] = lambda r: httpx.Response(
        401, json={"title": "Unauthenticated", "status": 401, "detail": "expired"})
    assert portal.get("/api/export.zip", headers={"Authorization": "Bearer expired"}).status_code == 401

    gateway.routes[("GET", "/access/organisations/me")] = answer(
        {"organisation_id": "org-2", "name": "Site", "kind": "factory"})
    refused = portal.get("/api/export.zip", headers={"Authorization": "Bearer factory"})
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"


def test_the_page_is_not_found_for_another_role(gateway: FakeGateway, portal: TestClient) -> None:
    assert sign_in(portal).status_code == 303  # a factory's user
    assert portal.get("/member/export").status_code == 404
    assert portal.get("/member/export.zip").status_code == 404


def test_the_portal_api_is_documented_with_its_problem_answers(portal: TestClient) -> None:
    document = portal.get("/api/openapi.json").json()

    operation = document["paths"]["/api/export.zip"]["get"]
    assert {"200", "401", "404"} <= set(operation["responses"])
    assert "application/zip" in operation["responses"]["200"]["content"]
    assert operation["responses"]["401"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/ProblemOut"}
