"""The audit company's and the operator's pages over a fake gateway: who may open them, what they send."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial

import httpx
import pytest
from fastapi.testclient import TestClient

from portal.bootstrap import build_app
from portal.config import Settings

from .conftest import FakeGateway, csrf_of, sign_in

QUESTIONNAIRE = {
    "version": "2026.1", "description": "",
    "chapters": [{"id": "S1", "pillar": "social", "title": "Management systems"},
                 {"id": "E1", "pillar": "environmental", "title": "Environmental management"}],
    "questions": [
        {"id": "S1.01", "chapter": "S1", "kind": "information", "weight": 0, "text": "Who is responsible?",
         "zero_tolerance_topic": None},
        {"id": "S1.02", "chapter": "S1", "kind": "rated", "weight": 2, "text": "A written policy exists.",
         "zero_tolerance_topic": None},
        {"id": "E1.01", "chapter": "E1", "kind": "rated", "weight": 1, "text": "An EMS is in place.",
         "zero_tolerance_topic": None},
    ],
}


def mandate(audit_id: str, status: str) -> dict:
    return {"audit_id": audit_id, "factory_id": f"site-{audit_id}", "factory_name": f"Site {audit_id.upper()}",
            "factory_country": "BD", "factory_city": "Gazipur", "member_id": "member-1", "audit_type": "initial",
            "scope": "social", "announcement": "semi_announced", "window_starts_on": "2026-11-01",
            "window_ends_on": "2026-11-30", "status": status, "mandated_at": "2026-10-20T08:00:00Z",
            "decided_at": None}


def audit(audit_id: str, status: str = "accepted") -> dict:
    found = {key: value for key, value in mandate(audit_id, status).items() if not key.startswith("factory_")}
    return {**found, "factory_id": f"site-{audit_id}", "audit_company_id": "org-1", "decline_reason": None,
            "report": None, "due": []}


def json_of(request: httpx.Request) -> dict:
    return json.loads(request.content)


def signed_in_as(kind: str, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch, portal: TestClient) -> TestClient:
    monkeypatch.setattr(gateway, "tokens", partial(FakeGateway.tokens, gateway, kind))
    assert sign_in(portal).status_code == 303
    return portal


@pytest.fixture
def auditor(gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch, portal: TestClient) -> TestClient:
    return signed_in_as("audit_company", gateway, monkeypatch, portal)


@pytest.fixture
def operator(gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch, portal: TestClient) -> TestClient:
    return signed_in_as("operator", gateway, monkeypatch, portal)


def test_a_factory_finds_neither_audit_company_nor_operator_pages(portal: TestClient) -> None:
    sign_in(portal)

    for path in ("/audit", "/audit/mandates/a-1/report", "/operator", "/operator/duplicates", "/operator/health"):
        assert portal.get(path).status_code == 404, path


def test_an_audit_company_does_not_find_the_operator_pages(auditor: TestClient) -> None:
    assert auditor.get("/operator").status_code == 404
    assert auditor.get("/operator/health").status_code == 404


def test_the_audit_company_answers_pending_mandates_and_reports_on_accepted_ones(
        gateway: FakeGateway, auditor: TestClient) -> None:
    gateway.routes[("GET", "/audits/mandates")] = lambda r: httpx.Response(
        200, json=[mandate("a-1", "mandated"), mandate("a-2", "accepted")], headers={"X-Next-Cursor": "c2"})

    page = auditor.get("/audit")

    assert page.status_code == 200
    assert 'action="/audit/mandates/a-1/decision"' in page.text
    assert 'href="/audit/mandates/a-2/report"' in page.text
    assert "Site A-1" in page.text and "cursor=c2" in page.text


def test_a_cursor_from_an_old_link_that_the_service_refuses_gives_the_first_page(
        gateway: FakeGateway, auditor: TestClient) -> None:
    def mandates(request: httpx.Request) -> httpx.Response:
        if "cursor" in request.url.params:
            return httpx.Response(422, json={"title": "Invalid request", "status": 422, "detail": "unknown cursor"})
        return httpx.Response(200, json=[mandate("a-1", "mandated")])

    gateway.routes[("GET", "/audits/mandates")] = mandates

    page = auditor.get("/audit?cursor=stale")

    assert page.status_code == 200 and "Site A-1" in page.text
    asked = [r for r in gateway.requests if r.url.path == "/audits/mandates"]
    assert [("cursor" in r.url.params) for r in asked] == [True, False]


def test_declining_a_mandate_sends_the_reason_and_returns_to_the_list_with_a_message(
        gateway: FakeGateway, auditor: TestClient) -> None:
    gateway.routes[("GET", "/audits/mandates")] = lambda r: httpx.Response(200, json=[])
    gateway.routes[("POST", "/audits/audits/a-1/decision")] = lambda r: httpx.Response(200, json=audit("a-1"))
    token = csrf_of(auditor.get("/audit").text)

    answer = auditor.post("/audit/mandates/a-1/decision", data={
        "csrf_token": token, "decision": "decline", "reason": " No auditor free in November. "},
        follow_redirects=False)

    assert answer.status_code == 303 and answer.headers["location"] == "/audit?done=declined"
    sent = [r for r in gateway.requests if r.url.path.endswith("/decision")][0]
    assert json_of(sent) == {"decision": "decline", "reason": "No auditor free in November."}
    assert "You declined the mandate" in auditor.get(answer.headers["location"]).text


def test_a_refused_report_comes_back_with_the_answers_kept_and_each_error_at_its_question(
        gateway: FakeGateway, auditor: TestClient) -> None:
    gateway.routes[("GET", "/audits/audits/a-2")] = lambda r: httpx.Response(200, json=audit("a-2"))
    gateway.routes[("GET", "/audits/questionnaire")] = lambda r: httpx.Response(200, json=QUESTIONNAIRE)
    gateway.routes[("POST", "/audits/audits/a-2/report")] = lambda r: httpx.Response(422, json={
        "title": "Invalid report", "status": 422, "detail": "the report has problems",
        "errors": [{"field": "answers", "message": "rated question S1.02 is not answered"},
                   {"field": "audit_first_day", "message": "the audit's first day is after its last day"}]})
    form = auditor.get("/audit/mandates/a-2/report")
    assert "E1.01" not in form.text  # a social audit: no environmental chapter

    refused = auditor.post("/audit/mandates/a-2/report", data={
        "csrf_token": csrf_of(form.text), "finding_rows": "1", "audit_first_day": "2026-11-05",
        "audit_last_day": "2026-11-04", "note.S1.01": "The HR manager."})

    assert refused.status_code == 422
    sent = json_of([r for r in gateway.requests if r.method == "POST" and r.url.path.endswith("/report")][0])
    assert sent["answers"] == [{"question_id": "S1.01", "note": "The HR manager."}]
    assert 'id="q-S1-02-error"><p>rated question S1.02 is not answered' in refused.text
    assert 'href="#audit_first_day"' in refused.text
    assert 'value="2026-11-05"' in refused.text and "The HR manager." in refused.text


def test_a_published_report_leads_back_to_the_list_with_its_rating(gateway: FakeGateway, auditor: TestClient) -> None:
    published = {**audit("a-2", "report_published"), "report": {
        "compliance_percentage": 84.0, "letter": "B", "chapter_scores": [], "rule_set_version": "2026.1",
        "published_at": "2026-11-06T10:00:00Z"}}
    gateway.routes[("GET", "/audits/audits/a-2")] = lambda r: httpx.Response(200, json=audit("a-2"))
    gateway.routes[("GET", "/audits/questionnaire")] = lambda r: httpx.Response(200, json=QUESTIONNAIRE)
    gateway.routes[("POST", "/audits/audits/a-2/report")] = lambda r: httpx.Response(200, json=published)
    token = csrf_of(auditor.get("/audit/mandates/a-2/report").text)

    sent = auditor.post("/audit/mandates/a-2/report/upload", data={"csrf_token": token},
                        files={"report": ("report.json", b'{"answers": []}', "application/json")},
                        follow_redirects=False)

    assert sent.status_code == 303 and sent.headers["location"] == "/audit?done=report&audit=a-2"
    assert json_of([r for r in gateway.requests if r.method == "POST"][-1]) == {"answers": []}
    gateway.routes[("GET", "/audits/audits/a-2")] = lambda r: httpx.Response(200, json=published)
    gateway.routes[("GET", "/audits/mandates")] = lambda r: httpx.Response(200, json=[])
    assert "rated the audit B (84.0" in auditor.get(sent.headers["location"]).text


def test_the_merge_confirmation_says_which_site_survives(gateway: FakeGateway, operator: TestClient) -> None:
    def site(factory_id: str, name: str) -> dict:
        return {"factory_id": factory_id, "name": name, "legal_name": None, "country": "BD", "city": "Gazipur",
                "address": None, "coordinates": None, "sector": None, "product_types": [], "identifiers": {},
                "contact": None, "registered_at": "2026-01-01T00:00:00Z"}
    gateway.routes[("GET", "/registry/factories/f-old")] = lambda r: httpx.Response(200, json=site("f-old", "Sunrise"))
    gateway.routes[("GET", "/registry/factories/f-new")] = lambda r: httpx.Response(200, json=site("f-new", "Sun Rise"))
    gateway.routes[("POST", "/registry/merges")] = lambda r: httpx.Response(200, json={
        **json_of(r), "merged_at": "2026-11-06T10:00:00Z"})

    confirm = operator.get("/operator/duplicates/merge?surviving=f-old&merged=f-new")

    assert "Sunrise survives. Sun Rise is merged into it." in confirm.text
    merged = operator.post("/operator/duplicates/merge", data={
        "csrf_token": csrf_of(confirm.text), "merged_factory_id": "f-new", "surviving_factory_id": "f-old"},
        follow_redirects=False)
    assert merged.status_code == 303
    assert json_of(gateway.requests[-1]) == {"merged_factory_id": "f-new", "surviving_factory_id": "f-old"}


def test_an_accreditation_the_rules_refuse_is_shown_on_the_form(gateway: FakeGateway, operator: TestClient) -> None:
    company = {"organisation_id": "ac-1", "name": "Audit Co", "kind": "audit_company", "factory_id": None,
               "client_id": "client-1", "accreditation": {"status": "trial", "trial_started_at": "2026-01-01T00:00:00Z",
                                                          "mandating_members": 2, "decisions": []}}
    gateway.routes[("GET", "/access/organisations/ac-1")] = lambda r: httpx.Response(200, json=company)
    gateway.routes[("GET", "/access/users")] = lambda r: httpx.Response(200, json=[])
    gateway.routes[("POST", "/access/organisations/ac-1/accreditation")] = lambda r: httpx.Response(409, json={
        "title": "Conflict", "status": 409, "detail": "the trial ends only after 365 days and 3 mandating members"})
    token = csrf_of(operator.get("/operator/organisations/ac-1").text)

    refused = operator.post("/operator/organisations/ac-1/accreditation",
                            data={"csrf_token": token, "status": "accredited", "reason": "Good work"})

    assert refused.status_code == 409
    assert "the trial ends only after 365 days" in refused.text and ">Good work</textarea>" in refused.text


@pytest.fixture
def silent_metrics(gateway: FakeGateway) -> Iterator[TestClient]:
    # Port 9 (discard) refuses at once on a developer's machine and in CI.
    settings = Settings(service_metrics="notifier=http://127.0.0.1:9/metrics")
    app = build_app(settings, transport=httpx.MockTransport(gateway.handle))
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def test_a_service_that_does_not_answer_is_shown_unreachable_not_as_an_error_page(
        gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch, silent_metrics: TestClient) -> None:
    signed_in_as("operator", gateway, monkeypatch, silent_metrics)

    page = silent_metrics.get("/operator/health")

    assert page.status_code == 200
    assert "Not answering: notifier." in page.text
