"""The member's pages over a fake gateway: what they show, what they send, and who may open them."""

from __future__ import annotations

import json
from functools import partial

import httpx
import pytest
from fastapi.testclient import TestClient


from .conftest import FakeGateway, csrf_of, sign_in

SITE = {"factory_id": "site-1", "name": "Sunrise Garments", "legal_name": None, "country": "BD", "city": "Gazipur",
        "address": "Plot 7", "coordinates": None, "sector": None, "product_types": [],
        "identifiers": {"os_id": None, "duns": None, "lei": None, "national_registration": None}, "contact": None,
        "registered_at": "2026-01-01T00:00:00Z", "merged_into": None}
CALM = {**SITE, "factory_id": "site-2", "name": "Anatolia Denim", "country": "TR", "city": "Denizli"}


def report(letter: str, alert: bool) -> dict:
    return {"compliance_percentage": 85.0, "letter": letter, "rule_set_version": "2026.1",
            "published_at": "2026-11-01T10:00:00Z",
            "chapter_scores": [{"chapter": "S9", "title": "Health and safety", "percentage": 70.0}],
            "detail": {"has_alert": alert, "findings": [], "answers": [], "nonconformities_by_chapter": {"S9": 1}}}


def audit(factory_id: str, letter: str, alert: bool = False) -> dict:
    return {"audit_id": f"audit-{factory_id}", "factory_id": factory_id, "member_id": "org-1",
            "audit_company_id": "ac-1", "audit_type": "initial", "scope": "social", "announcement": "semi_announced",
            "window_starts_on": "2026-10-01", "window_ends_on": "2026-10-21", "status": "report_published",
            "mandated_at": "2026-09-01T00:00:00Z", "decided_at": None, "decline_reason": None,
            "report": report(letter, alert), "due": []}


def cap(status: str = "evidence_submitted", decisions: list | None = None, closed: int = 0) -> dict:
    item = {"item_id": "item-1", "finding_id": "f-1", "severity": "major", "description": "Extinguishers not inspected",
            "recommended_action": "Inspect them", "deadline": "2027-01-28", "chapter": "S9", "status": status,
            "evidence_ids": ["ev-1"], "decisions": decisions or [], "follow_ups": [], "overdue": False}
    return {"cap_id": "cap-1", "audit_id": "audit-site-1", "factory_id": "site-1", "status": "open",
            "rule_set_version": "2026.1", "opened_at": "2026-11-02T00:00:00Z",
            "progress": {"items_closed": closed, "items_total": 1}, "items": [item]}


EVIDENCE = {"evidence_id": "ev-1", "factory_id": "site-1", "cap_id": "cap-1", "item_id": "item-1",
            "filename": "permit.pdf", "content_type": "application/pdf", "size_bytes": 5, "sha256": "0" * 64,
            "uploaded_at": "2026-11-03T00:00:00Z", "version_number": 1, "review_status": "submitted",
            "review_comment": None}


def answer(payload) -> callable:
    return lambda request: httpx.Response(200, json=payload)


@pytest.fixture
def member(gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch, portal: TestClient) -> TestClient:
    monkeypatch.setattr(gateway, "tokens", partial(FakeGateway.tokens, gateway, "member"))
    gateway.routes.update({
        ("GET", "/access/links"): answer([{"member_id": "org-1", "factory_id": f, "relationship": "supplier",
                                          "active": True, "since": "2026-01-01T00:00:00Z"}
                                         for f in ("site-2", "site-1")]),
        ("GET", "/registry/factories"): answer([SITE, CALM]),
        ("GET", "/registry/factories/site-1"): answer(SITE),
        ("GET", "/audits/audits"): lambda r: httpx.Response(200, json=[audit(r.url.params["factory_id"], "E", True)]
                                                            if r.url.params["factory_id"] == "site-1"
                                                            else [audit("site-2", "B")]),
        ("GET", "/caps/caps"): lambda r: httpx.Response(200, json=[cap()] if r.url.params["factory_id"] == "site-1"
                                                        else []),
        ("GET", "/access/organisations"): answer([{"organisation_id": "ac-1", "name": "Audit Co", "kind": "audit_company",
                                                  "factory_id": None, "accreditation_status": "accredited",
                                                  "registered_at": "2026-01-01T00:00:00Z"}]),
        ("GET", "/evidence/caps/cap-1/items/item-1/files"): answer([EVIDENCE]),
        ("GET", "/caps/caps/cap-1"): answer(cap()),
    })
    assert sign_in(portal).status_code == 303
    return portal


def test_the_dashboard_puts_the_site_with_a_critical_alert_first(member: TestClient) -> None:
    page = member.get("/member")

    assert page.status_code == 200
    assert page.text.index("Sunrise Garments") < page.text.index("Anatolia Denim")
    assert "Critical alert" in page.text


def test_a_site_the_member_is_not_linked_to_is_not_found(member: TestClient) -> None:
    assert member.get("/member/sites/site-9").status_code == 404  # the registry answers 404 for it


def test_other_roles_do_not_find_the_member_pages(portal: TestClient) -> None:
    sign_in(portal)  # a factory user

    for path in ("/member", "/member/sites/site-1", "/member/search", "/member/inbox", "/member/risk",
                 "/member/settings"):
        assert portal.get(path).status_code == 404, path


def test_the_site_page_shows_the_evidence_to_review_with_a_decision_form(member: TestClient) -> None:
    page = member.get("/member/sites/site-1")

    assert page.status_code == 200
    assert "/files/ev-1/preview" in page.text and "/files/ev-1/download" in page.text
    assert 'hx-post="/member/caps/cap-1/items/item-1/decision"' in page.text
    assert '<option value="ac-1"' in page.text  # the audit companies to mandate


def test_an_htmx_decision_answers_the_item_in_place_and_the_progress_out_of_band(
        gateway: FakeGateway, member: TestClient) -> None:
    sent = []
    decided = cap("accepted", [{"decision": "accept", "member_id": "org-1", "decided_by": "user-1", "comment": "Fine",
                                "decided_at": "2026-11-04T00:00:00Z"}], closed=1)
    gateway.routes[("POST", "/caps/caps/cap-1/items/item-1/decisions")] = (
        lambda r: sent.append(json.loads(r.content)) or httpx.Response(200, json=decided))
    token = csrf_of(member.get("/member/sites/site-1").text)

    page = member.post("/member/caps/cap-1/items/item-1/decision", data={"decision": "accept", "comment": " Fine "},
                       headers={"HX-Request": "true", "X-CSRF-Token": token})

    assert sent == [{"decision": "accept", "comment": "Fine"}]
    assert page.status_code == 200 and page.text.lstrip().startswith('<li class="item item-accepted" id="item-item-1"')
    assert 'id="cap-progress-cap-1" hx-swap-oob="true"' in page.text
    assert "by your organisation" in page.text and "<form" not in page.text


def test_a_plain_form_decision_goes_back_to_the_site(gateway: FakeGateway, member: TestClient) -> None:
    gateway.routes[("POST", "/caps/caps/cap-1/items/item-1/decisions")] = answer(cap("accepted"))
    token = csrf_of(member.get("/member/sites/site-1").text)

    page = member.post("/member/caps/cap-1/items/item-1/decision", data={"decision": "accept", "csrf_token": token},
                       follow_redirects=False)

    assert page.status_code == 303
    assert page.headers["location"] == "/member/sites/site-1?done=accepted#item-item-1"


def test_a_rejection_without_a_comment_is_refused_next_to_the_comment(gateway: FakeGateway, member: TestClient) -> None:
    token = csrf_of(member.get("/member/sites/site-1").text)

    page = member.post("/member/caps/cap-1/items/item-1/decision", data={"decision": "reject", "csrf_token": token})

    assert page.status_code == 422
    assert 'id="comment-error-item-1"' in page.text and 'aria-invalid="true"' in page.text
    assert not [r for r in gateway.requests if r.method == "POST" and r.url.path.startswith("/caps/")]


def test_field_errors_of_a_refused_mandate_are_shown_next_to_the_fields(gateway: FakeGateway,
                                                                       member: TestClient) -> None:
    gateway.routes[("POST", "/audits/audits")] = lambda r: httpx.Response(422, json={
        "title": "Invalid request", "status": 422, "detail": "the request does not match the schema",
        "errors": [{"field": "body.window_ends_on", "message": "Input should be a valid date"}]})
    token = csrf_of(member.get("/member/sites/site-1").text)

    page = member.post("/member/sites/site-1/audits", data={
        "csrf_token": token, "audit_company_id": "ac-1", "audit_type": "initial", "scope": "social",
        "announcement": "semi_announced", "window_starts_on": "2027-01-01", "window_ends_on": "2027-13-01"})

    assert page.status_code == 422
    assert '<p class="field-error" id="error-window_ends_on">Input should be a valid date</p>' in page.text
    assert 'value="2027-13-01"' in page.text  # what the member typed stays


def test_a_rule_the_audit_service_refuses_is_shown_above_the_form(gateway: FakeGateway, member: TestClient) -> None:
    gateway.routes[("POST", "/audits/audits")] = lambda r: httpx.Response(422, json={
        "title": "Invalid request", "status": 422, "detail": "a semi-announced window lasts at least 14 days"})
    token = csrf_of(member.get("/member/sites/site-1").text)

    page = member.post("/member/sites/site-1/audits", data={
        "csrf_token": token, "audit_company_id": "ac-1", "window_starts_on": "2027-01-01",
        "window_ends_on": "2027-01-05"})

    assert page.status_code == 422
    assert '<p class="error" role="alert">a semi-announced window lasts at least 14 days</p>' in page.text


def test_a_preview_streams_the_file_inline_from_the_presigned_url_without_the_token(
        gateway: FakeGateway, member: TestClient) -> None:
    gateway.routes[("GET", "/evidence/files/ev-1")] = answer(EVIDENCE)
    gateway.routes[("GET", "/evidence/files/ev-1/download")] = answer({"url": "http://s3.test/b/k?X-Amz-Signature=s",
                                                                       "expires_in": 300})
    fetched = []

    def store(request: httpx.Request) -> httpx.Response:
        fetched.append(request)
        return httpx.Response(200, content=b"%PDF-", headers={"content-type": "application/pdf"})

    gateway.routes[("GET", "/b/k")] = store  # the store's presigned address

    preview = member.get("/files/ev-1/preview")
    download = member.get("/files/ev-1/download")

    assert preview.content == b"%PDF-" and preview.headers["content-type"] == "application/pdf"
    assert preview.headers["content-disposition"].startswith('inline; filename="permit.pdf"')
    assert download.headers["content-disposition"].startswith('attachment; filename="permit.pdf"')
    assert all("authorization" not in request.headers for request in fetched)


def test_a_file_the_browser_could_run_is_never_shown_inline(gateway: FakeGateway, member: TestClient) -> None:
    gateway.routes[("GET", "/evidence/files/ev-1")] = answer({**EVIDENCE, "filename": "x.html",
                                                              "content_type": "text/html"})
    gateway.routes[("GET", "/evidence/files/ev-1/download")] = lambda r: httpx.Response(
        200, content=b"<script>", headers={"content-type": "text/html"})

    preview = member.get("/files/ev-1/preview")

    assert preview.headers["content-disposition"].startswith("attachment;")


def test_ending_a_link_asks_first_then_deletes_it(gateway: FakeGateway, member: TestClient) -> None:
    deleted = []
    gateway.routes[("DELETE", "/access/links/site-1")] = lambda r: deleted.append(r) or httpx.Response(200, json={})

    confirm = member.get("/member/sites/site-1/unlink")
    done = member.post("/member/sites/site-1/unlink", data={"csrf_token": csrf_of(confirm.text)},
                       follow_redirects=False)

    assert confirm.status_code == 200 and "Yes, end the link" in confirm.text
    assert len(deleted) == 1 and done.headers["location"] == "/member?done=unlinked"


def test_live_search_waits_for_three_characters_then_asks_for_a_link_in_place(gateway: FakeGateway,
                                                                             member: TestClient) -> None:
    searches, links = [], []
    gateway.routes[("GET", "/registry/search")] = lambda r: searches.append(dict(r.url.params)) or httpx.Response(
        200, json=[{"factory_id": "site-3", "name": "Mekong Knitwear", "city": None, "country": "VN",
                    "identifiers": {}, "score": 1.0}])
    gateway.routes[("POST", "/access/links")] = lambda r: links.append(json.loads(r.content)) or httpx.Response(
        202, json={"factory_id": "site-3", "active": False, "status": "requested", "request_id": "r-1"})
    live = {"HX-Request": "true", "HX-Target": "search-results"}

    early = member.get("/member/search", params={"name": "Me", "country": "VN"}, headers=live)
    found = member.get("/member/search", params={"name": "Mek", "country": "VN"}, headers=live)
    token = csrf_of(member.get("/member/search").text)
    linked = member.post("/member/links", data={"factory_id": "site-3"},
                         headers={"HX-Request": "true", "X-CSRF-Token": token})

    assert "Type at least 3 characters" in early.text and "<html" not in early.text
    assert searches == [{"name": "Mek", "country": "VN"}] and 'id="link-site-3"' in found.text
    assert links == [{"factory_id": "site-3", "relationship": "supplier"}]
    assert "Link requested" in linked.text and "Withdraw the request" in linked.text
    assert 'href="/member/sites/site-3"' not in linked.text, "the site opens only once the factory accepts"


def test_a_pending_request_shows_as_such_in_the_search_and_can_be_withdrawn(gateway: FakeGateway,
                                                                            member: TestClient) -> None:
    gateway.routes[("GET", "/registry/search")] = answer([{"factory_id": "site-3", "name": "Mekong Knitwear",
                                                           "city": None, "country": "VN", "identifiers": {},
                                                           "score": 1.0}])
    gateway.routes[("GET", "/access/links")] = answer([{"member_id": "org-1", "factory_id": "site-3",
                                                        "relationship": "supplier", "active": False,
                                                        "status": "requested", "request_id": "r-1",
                                                        "since": "2026-01-01T00:00:00Z"}])
    withdrawn = []
    gateway.routes[("DELETE", "/access/links/site-3")] = lambda r: withdrawn.append(r) or httpx.Response(
        200, json={"status": "withdrawn"})

    found = member.get("/member/search", params={"name": "Mekong"})
    done = member.post("/member/links/site-3/withdraw", data={"csrf_token": csrf_of(found.text)},
                       follow_redirects=False)

    assert "Link requested" in found.text and 'href="/member/sites/site-3"' not in found.text
    assert len(withdrawn) == 1 and done.headers["location"] == "/member/search?done=withdrawn"
    assert member.post("/member/links/site-1/withdraw", data={"csrf_token": csrf_of(found.text)}).status_code == 404


def test_the_full_report_groups_the_answers_by_chapter_in_questionnaire_order(gateway: FakeGateway,
                                                                              member: TestClient) -> None:
    found = audit("site-1", "E", alert=True)
    found["report"]["detail"]["answers"] = [{"question_id": "E1.01", "value": "yes", "note": None},
                                            {"question_id": "S9.01", "value": "no", "note": "Exit locked"}]
    gateway.routes[("GET", "/audits/audits/audit-site-1")] = answer(found)
    gateway.routes[("GET", "/audits/questionnaire")] = answer({"version": "2026.1", "description": "", "chapters": [
        {"id": "S9", "pillar": "social", "title": "Health and safety"},
        {"id": "E1", "pillar": "environmental", "title": "Environmental management"}], "questions": [
        {"id": "S9.01", "chapter": "S9", "kind": "critical", "weight": 3, "text": "Exits are unlocked.",
         "zero_tolerance_topic": "imminent_danger"}]})

    page = member.get("/member/audits/audit-site-1")

    assert page.status_code == 200 and "Critical alert" in page.text
    assert page.text.index("Health and safety · ") < page.text.index("Environmental management · ")
    assert "Exits are unlocked." in page.text and "Exit locked" in page.text


def test_a_follow_up_names_the_audit_it_re_checks_from_the_sites_published_reports(gateway: FakeGateway,
                                                                                  member: TestClient) -> None:
    sent: list[dict] = []
    gateway.routes[("POST", "/audits/audits")] = lambda r: (sent.append(json.loads(r.content)),
                                                            httpx.Response(201, json={"audit_id": "a-2"}))[1]
    site_page = member.get("/member/sites/site-1").text
    assert '<option value="audit-site-1">' in site_page  # its report is published: a follow-up may re-check it

    page = member.post("/member/sites/site-1/audits", data={
        "csrf_token": csrf_of(site_page), "audit_company_id": "ac-1", "audit_type": "follow_up", "scope": "social",
        "announcement": "unannounced", "follows_audit_id": "audit-site-1"}, follow_redirects=False)

    assert page.status_code == 303
    assert sent[0]["audit_type"] == "follow_up" and sent[0]["follows_audit_id"] == "audit-site-1"


def test_only_a_follow_up_may_name_an_audit_it_follows(gateway: FakeGateway, member: TestClient) -> None:
    token = csrf_of(member.get("/member/sites/site-1").text)

    page = member.post("/member/sites/site-1/audits", data={
        "csrf_token": token, "audit_company_id": "ac-1", "audit_type": "initial", "announcement": "unannounced",
        "follows_audit_id": "audit-site-1"})

    assert page.status_code == 422 and 'id="error-follows_audit_id"' in page.text
    assert not [r for r in gateway.requests if r.method == "POST" and r.url.path == "/audits/audits"]
