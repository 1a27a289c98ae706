"""The Handbook for factories: rendered from what GET /audits/rules and GET /caps/rules answer."""

from __future__ import annotations

import re
from functools import partial

import httpx
import pytest
from fastapi.testclient import TestClient

from portal.adapters.catalogs import LANGUAGES
from portal.adapters.pdf import PdfUnavailable
from .conftest import FakeGateway, csrf_of, sign_in

# As the services answer (abridged: two chapters), with numbers unlike the defaults, so that the
# page can only show them by reading them.
AUDIT_RULES = {
    "versions": {"rating": "2031.2", "questionnaire": "2031.2", "sampling": "2031.2", "timing": "2031.2",
                 "monitoring": "2031.2", "documents": "2031.2"},
    "letter_ranges": [
        {"letter": "A", "min_percentage": 90, "below_percentage": None},
        {"letter": "B", "min_percentage": 75, "below_percentage": 90},
        {"letter": "C", "min_percentage": 55, "below_percentage": 75},
        {"letter": "D", "min_percentage": 35, "below_percentage": 55},
        {"letter": "E", "min_percentage": 0, "below_percentage": 35},
    ],
    "alert_caps_letter_at": "E",
    "alert_severities": ["critical"],
    "zero_tolerance_topics": [{"id": "child_labour", "title": "Child labour"},
                              {"id": "imminent_danger", "title": "Imminent danger to life or health"}],
    "chapters": [
        {"id": "S2", "pillar": "social", "title": "Minimum age, child labour and young workers", "questions": 5,
         "counts_by_kind": {"information": 1, "rated": 3, "critical": 1, "best_practice": 0},
         "critical_questions": [{"id": "S2.02", "zero_tolerance_topic": "child_labour",
                                 "text": "No worker below the legal minimum working age (and never below 15) "
                                         "was found on site."}]},
        {"id": "E4", "pillar": "environmental", "title": "Wastewater and effluent", "questions": 3,
         "counts_by_kind": {"information": 0, "rated": 2, "critical": 1, "best_practice": 0},
         "critical_questions": [{"id": "E4.03", "zero_tolerance_topic": "imminent_danger",
                                 "text": "No untreated industrial wastewater is discharged to the environment "
                                         "(no bypass)."}]},
    ],
    "sample_ranges": [
        {"min_workers": 1, "max_workers": 200, "interviews": 9, "focus_group_interviews": 6,
         "individual_interviews": 3, "documents": 7, "auditor_days": 1.5},
        {"min_workers": 201, "max_workers": 2500, "interviews": 21, "focus_group_interviews": 14,
         "individual_interviews": 7, "documents": 19, "auditor_days": 3},
        {"min_workers": 2501, "max_workers": None, "interviews": 40, "focus_group_interviews": 27,
         "individual_interviews": 13, "documents": 36, "auditor_days": 5},
    ],
    "focus_group_share": 0.67,
    "months_of_records_per_document": 3,
    "worker_record_months": [{"id": "current", "title": "The current month"},
                             {"id": "previous", "title": "The previous month"},
                             {"id": "peak_or_low_season", "title": "A month of peak or low season"}],
    "documents": [{"id": "payroll", "chapters": ["S8"], "per_sampled_worker": True,
                   "title": "Payroll records and payslips, with proof of payment and of social insurance "
                            "contributions"}],
    "audit_types": [
        {"audit_type": "initial", "auditor_days": None, "due_within_months": None, "due_from": None,
         "after_letters": []},
        {"audit_type": "follow_up", "auditor_days": 2, "due_within_months": 9, "due_from": "report_published",
         "after_letters": ["D", "E"]},
        {"audit_type": "re_audit", "auditor_days": None, "due_within_months": 18, "due_from": "last_full_audit",
         "after_letters": []},
    ],
    "announcements": [{"announcement": "semi_announced", "min_window_days": 21},
                      {"announcement": "unannounced", "min_window_days": None}],
    "report_due_working_days": 6,
    "report_in_database_working_days": 11,
    "due_notice_days": 45,
}
CAP_RULES = {"version": "2031.2", "description": "", "counted_from": "report_published",
             "deadlines": [{"severity": "critical", "days": 21}, {"severity": "major", "days": 45},
                           {"severity": "minor", "days": 120}]}
CODE = {"version": "2030.4", "title": "Code of Conduct of Shared audits", "text": "...", "content_sha256": "0",
        "published_at": "2030-01-01T00:00:00Z"}


@pytest.fixture
def rules_answered(gateway: FakeGateway) -> FakeGateway:
    gateway.routes[("GET", "/audits/rules")] = lambda _: httpx.Response(200, json=AUDIT_RULES)
    gateway.routes[("GET", "/caps/rules")] = lambda _: httpx.Response(200, json=CAP_RULES)
    gateway.routes[("GET", "/access/code-of-conduct/current")] = lambda _: httpx.Response(200, json=CODE)
    return gateway


@pytest.fixture
def factory(portal: TestClient, rules_answered: FakeGateway) -> TestClient:
    sign_in(portal)
    return portal


def rows(html: str, table_class: str) -> list[list[str]]:
    """The cells of a table's body rows, tags stripped."""
    table = re.search(rf'<table class="{table_class}">(.*?)</table>', html, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [[" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_a_factory_reads_the_numbers_of_the_rule_sets_in_force(factory: TestClient) -> None:
    page = factory.get("/handbook")
    assert page.status_code == 200
    html = page.text
    assert rows(html, "sampling") == [["up to 200", "9", "6", "3", "7", "1.5"],
                                      ["201 to 2,500", "21", "14", "7", "19", "3"],
                                      ["2,501 or more", "40", "27", "13", "36", "5"]]
    assert rows(html, "bands") == [["A", "90 % or more"], ["B", "75 % to less than 90 %"],
                                   ["C", "55 % to less than 75 %"], ["D", "35 % to less than 55 %"],
                                   ["E", "less than 35 %"]]
    assert rows(html, "deadlines") == [["Critical", "21"], ["Major", "45"], ["Minor", "120"]]
    assert ["S2 Minimum age, child labour and young workers", "5", "3", "1", "1", "0"] in rows(html, "chapters")
    for told in ("Due within 9 months of the report when its letter is D or E.", "within 6 working days",
                 "within 11 working days", "A window of at least 21 days", "A follow-up audit takes 2 auditor-days",
                 "45 days before it is due", "No untreated industrial wastewater", "A month of peak or low season",
                 "Imminent danger to life or health", "version 2030.4", "Edition 2031.2"):
        assert told in html, told
    assert "does not receive the full report" in html


def test_the_handbook_names_the_versions_it_was_generated_from(factory: TestClient) -> None:
    versions = rows(factory.get("/handbook").text, "versions")
    assert ["Corrective action deadlines", "2031.2"] in versions and ["Questionnaire", "2031.2"] in versions
    assert ["Code of Conduct", "2030.4"] in versions


def test_every_signed_in_user_finds_it_and_the_factory_from_its_menu(
        factory: TestClient, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    overview = factory.get("/handbook").text
    assert '<a href="/handbook" aria-current="page">Handbook</a>' in overview
    assert '<a href="/handbook">Handbook for factories</a>' in overview  # the footer, for everyone
    factory.post("/signout", data={"csrf_token": csrf_of(overview)})
    monkeypatch.setattr(gateway, "tokens", partial(FakeGateway.tokens, gateway, "member"))
    assert sign_in(factory).status_code == 303
    member_page = factory.get("/handbook")
    assert member_page.status_code == 200 and "Handbook for factories" in member_page.text


def test_a_visitor_not_signed_in_is_sent_to_sign_in(portal: TestClient, rules_answered: FakeGateway) -> None:
    response = portal.get("/handbook", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/signin?next=/handbook")


@pytest.mark.parametrize("language", [language.code for language in LANGUAGES])
def test_the_handbook_is_told_in_each_language_of_the_portal(factory: TestClient, language: str) -> None:
    factory.cookies.set("sa_lang", language)
    html = factory.get("/handbook").text
    assert f'lang="{language.replace("_", "-")}"' in html
    if language != "en":
        for english in ("Handbook for factories", "Interviews, files and auditor-days by workforce",
                        "Minimum age, child labour and young workers", "A month of peak or low season"):
            assert english not in html, (language, english)


def test_the_pdf_holds_the_handbook_in_the_language_asked_for(factory: TestClient) -> None:
    response = factory.get("/handbook.pdf", params={"lang": "fr"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response.headers["content-disposition"] == 'attachment; filename="handbook-fr-2031.2.pdf"'
    assert factory.get("/handbook.pdf", params={"lang": "en"}).content != response.content
    assert factory.get("/handbook.pdf", params={"lang": "xx"}).status_code == 404


def test_a_rule_service_that_fails_shows_the_error_page(factory: TestClient, gateway: FakeGateway) -> None:
    gateway.routes[("GET", "/caps/rules")] = lambda _: httpx.Response(503, json={"title": "down", "status": 503})
    response = factory.get("/handbook")
    assert response.status_code == 502 and "A service did not answer" in response.text


def test_without_pango_the_pages_work_and_the_pdf_answers_503(factory: TestClient) -> None:
    class NoPango:
        async def render(self, html: str) -> bytes:
            raise PdfUnavailable("cannot load library 'libpango-1.0-0'")

    factory.app.state.pdf_renderer = NoPango()
    assert factory.get("/handbook.pdf").status_code == 503
    assert factory.get("/handbook").status_code == 200
