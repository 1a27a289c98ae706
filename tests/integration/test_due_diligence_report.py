"""A member's due-diligence report holds the numbers of what was seeded, in the page, the CSV, the JSON and the PDF.

One world for the module: a site that declares a subcontractor in its profile, linked to a new member;
a report with findings of known chapters and severities and a critical alert; its CAP with one item
accepted and the critical one overdue (the operator's as-of check). The test computes the expected
figures from what it seeded, then reads the report through the portal as a person of the member,
signed in with the sign-in form, as a browser would.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from shared_audits_client import eventually
from shared_audits_client.story import (
    STORY_WORKFORCE,
    Cast,
    assemble_cast,
    current_code_of_conduct,
    link_with_consent,
    report_rated_b,
    semi_announced_window,
    submit_when_ready,
    with_critical_alert,
)
from tests.integration.access_api import PASSWORD, Gateway
from tests.integration.cap_flows import cap_of_audit, submit_evidence
from tests.integration.stack import Stack, stack_command

# serial: the operator's as-of overdue scan flags every item on the stack (runs after the parallel part of make test).
pytestmark = [pytest.mark.integration, pytest.mark.serial]
COLUMNS = ("section", "measure", "site", "country", "chapter", "severity", "category")
SEVERITIES = ("major", "minor")
DEMO_MEMBER = "brand-a@demo.example.org"
DEMO_PASSWORD = "shared-audits-demo"  # pragma: allowlist secret


@dataclass
class World:
    cast: Cast
    email: str
    subcontractor_id: str
    report: dict  # as submitted
    questionnaire: dict
    audit: dict  # as the member reads it once rated
    cap: dict  # as the member reads it at the end
    period: tuple[date, date]


def key(figure: dict) -> str:
    return ":".join(str(figure[column]) for column in COLUMNS)


def signed_in(stack: Stack, email: str, password: str = PASSWORD) -> httpx.Client:
    """A browser-like client of the portal, signed in through the sign-in form."""
    browser = httpx.Client(base_url=stack.gateway_url, timeout=60, follow_redirects=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/signin").text).group(1)
    answer = browser.post("/signin", data={"csrf_token": token, "email": email, "password": password, "next": "/member"})
    assert answer.status_code == 200 and answer.url.path == "/member", answer.text[:300]
    return browser


@pytest.fixture(scope="module")
def world(stack: Stack) -> Iterator[World]:
    cast = assemble_cast(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret,
                         kafka_bootstrap=stack.kafka_bootstrap)
    gateway = Gateway(stack)
    try:
        factory_id, auditor_id = cast.factory_id, cast.organisations["auditor"].organisation_id
        dye_house = cast.operator.register_factory(f"Dhaka Dye House {uuid.uuid4().hex[:6]}", "BD", city="Dhaka",
                                                   confirm_new=True)
        # The site's profile declares the dye house as the subcontractor of an external process.
        split = {"female": 210, "male": 210, "permanent": STORY_WORKFORCE, "temporary": 0, "migrant": 0, "under_18": 0}
        profile = {"workforce": split, "processes": [
            {"name": "cutting", "kind": "internal"},
            {"name": "dyeing", "kind": "external", "subcontractor_id": dye_house["factory_id"]}]}
        eventually(lambda: cast.factory.submit_profile(factory_id, profile))
        cast.factory.sign_code_of_conduct(current_code_of_conduct(cast.operator)["version"])
        link_with_consent(cast.member_a, cast.factory, factory_id)

        questionnaire = cast.auditor.questionnaire()
        rated = report_rated_b(questionnaire, cast.auditor.sample_size(STORY_WORKFORCE))
        # Every "no" answer written up as a finding, majors and minors in turn (nothing left for the platform to add).
        chapter_of = {q["id"]: q["chapter"] for q in questionnaire["questions"]}
        noes = [a["question_id"] for a in rated["answers"] if a.get("value") == "no"]
        findings = [{"chapter": chapter_of[q], "severity": SEVERITIES[i % 2], "question_id": q,
                     "description": f"{chapter_of[q]} finding {i}", "recommended_action": "Correct it and keep the record."}
                    for i, q in enumerate(noes)]
        report = with_critical_alert({**rated, "findings": findings}, questionnaire)
        audit = eventually(lambda: cast.member_a.mandate_audit(factory_id, auditor_id, **semi_announced_window()))
        cast.auditor.answer_mandate(audit["audit_id"], "accept")
        eventually(lambda: submit_when_ready(cast.auditor, audit["audit_id"], report))

        cap = cap_of_audit(cast, audit["audit_id"])
        accepted = next(item for item in cap["items"] if item["severity"] == "major")
        submit_evidence(cast, cap["cap_id"], accepted["item_id"])
        cast.member_a.decide(cap["cap_id"], accepted["item_id"], "accept", "Checked.")
        critical = next(item for item in cap["items"] if item["severity"] == "critical")
        cast.operator.run_overdue_check((date.fromisoformat(critical["deadline"]) + timedelta(days=1)).isoformat())

        admin = gateway.client_token(cast.organisations["member_a"].client_id,
                                     cast.organisations["member_a"].client_secret)
        _, email = gateway.active_user(admin, ["user"])
        today = datetime.now(UTC).date()
        yield World(cast=cast, email=email, subcontractor_id=dye_house["factory_id"], report=report,
                    questionnaire=questionnaire, audit=cast.member_a.audit(audit["audit_id"]),
                    cap=cast.member_a.cap(cap["cap_id"]), period=(today - timedelta(days=1), today + timedelta(days=1000)))
    finally:
        gateway.close()
        cast.close()


def name(section: str, measure: str, country: str = "", chapter: str = "", severity: str = "",
         category: str = "") -> str:
    """A figure's name, as the page's data-figure and the CSV's columns give it."""
    return key({"section": section, "measure": measure, "site": "", "country": country, "chapter": chapter,
                "severity": severity, "category": category})


def expected_figures(world: World) -> dict[str, int]:
    """The figures of the report, computed from what the world seeded (and the due dates the audit carries)."""
    findings = Counter((f["chapter"], f["severity"]) for f in world.report["findings"])
    total = sum(findings.values())
    figures = {
        name("supply_chain", "tier_1_sites"): 1, name("supply_chain", "subcontractors_declared"): 1,
        name("supply_chain", "subcontractors_linked"): 0, name("supply_chain", "sites_by_country", country="BD"): 1,
        name("audits", "reports_published"): 1, name("audits", "reports_mandated_by_you"): 1,
        name("audits", "reports_by_letter", category=world.audit["report"]["letter"]): 1,
        name("findings", "findings"): total,
        name("alerts", "critical_alerts"): 1, name("alerts", "alerts_with_item_accepted_or_closed"): 0,
        name("alerts", "alerts_with_item_overdue"): 1,
        name("remediation", "items"): total,
        name("remediation", "items", category="accepted"): 1, name("remediation", "items", category="closed"): 0,
        name("remediation", "items", category="rejected"): 0,
        name("remediation", "items", category="evidence_submitted"): 0,
        name("remediation", "items", category="open"): total - 1,
        # Another test's as-of check may have flagged more of this CAP's items: count what the CAP says.
        name("remediation", "items", category="overdue"): sum(1 for item in world.cap["items"] if item["overdue"]),
        name("due_audits", "met"): 0, name("due_audits", "reports_overdue"): 0,
    }
    for severity in ("critical", "major", "minor"):
        figures[name("findings", "findings", severity=severity)] = sum(
            n for (_, s), n in findings.items() if s == severity)
    for (chapter, severity), n in findings.items():
        figures[name("findings", "findings", chapter=chapter, severity=severity)] = n
    starts, ends = world.period
    for kind in ("follow_up", "re_audit"):
        figures[name("due_audits", "due", category=kind)] = sum(
            1 for due in world.audit["due"] if due["kind"] == kind and starts <= date.fromisoformat(due["due_on"]) <= ends)
        figures[name("due_audits", "missed", category=kind)] = 0  # every due date is still ahead
    if "extensions" in world.cap["items"][0]:
        figures[name("remediation", "items", category="extended")] = 0
    # The risk picture: every social chapter audited; non-conforming where a finding or a "no" answer falls.
    chapter_of = {q["id"]: q["chapter"] for q in world.questionnaire["questions"]}
    bad = {f["chapter"] for f in world.report["findings"]} | {
        chapter_of[a["question_id"]] for a in world.report["answers"] if a.get("value") == "no"}
    for chapter in (c["id"] for c in world.questionnaire["chapters"] if c["pillar"] == "social"):
        figures[name("risk", "sites_audited", country="BD", chapter=chapter)] = 1
        figures[name("risk", "sites_with_nonconformities", country="BD", chapter=chapter)] = int(chapter in bad)
    return figures


@pytest.fixture(scope="module")
def portal(stack: Stack, world: World) -> Iterator[httpx.Client]:
    browser = signed_in(stack, world.email)
    yield browser
    browser.close()


def query(world: World) -> str:
    return f"?from={world.period[0].isoformat()}&to={world.period[1].isoformat()}"


def test_the_report_holds_the_numbers_of_what_was_seeded_in_json_csv_and_html(
        world: World, portal: httpx.Client) -> None:
    document = portal.get("/member/due-diligence.json" + query(world))
    assert document.status_code == 200, document.text[:300]
    report = document.json()
    figures = {key(f): f["value"] for f in report["figures"]}

    assert figures == expected_figures(world)
    assert [s["factory_id"] for s in report["sites"]] == [world.cast.factory_id]
    assert [s["factory_id"] for s in report["subcontractors"]] == [world.subcontractor_id]
    [alert] = report["critical_alerts"]
    assert alert["item_status"] == "open" and alert["overdue"] is True
    [accepted] = [item for item in report["cap_items"] if item["status"] == "accepted"]
    assert accepted["accepted_at"][:10] == datetime.now(UTC).date().isoformat()

    rows = list(csv.DictReader(io.StringIO(portal.get("/member/due-diligence.csv" + query(world)).text)))
    assert {key(row): int(row["value"]) for row in rows} == figures and len(rows) == len(figures)

    page = portal.get("/member/due-diligence" + query(world)).text
    shown = {name: int(value) for name, value in re.findall(r'data-figure-row="([^"]+)">(\d+)<', page)}
    assert shown == figures
    assert f'data-figure="{name("alerts", "critical_alerts")}">1<' in page
    assert "What this report covers and what it cannot know" in page


def test_the_pdf_renders_its_first_page_not_blank(world: World, portal: httpx.Client, tmp_path: Path) -> None:
    pdf = portal.get("/member/due-diligence.pdf" + query(world))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # make test installs poppler-utils with the browser (python3 deploy/local/stack.py browser).
    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) is missing: python3 deploy/local/stack.py browser"
    (tmp_path / "report.pdf").write_bytes(pdf.content)
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-gray", "-singlefile",
                    str(tmp_path / "report.pdf"), str(tmp_path / "page")], check=True, timeout=60)
    assert inked_share(tmp_path / "page.pgm") > 0.01


def inked_share(pgm: Path) -> float:
    """The share of pixels that are not white in a binary PGM (P5) image."""
    data = pgm.read_bytes()
    fields = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert fields, "not a binary PGM"
    width, height = int(fields.group(1)), int(fields.group(2))
    pixels = data[fields.end():fields.end() + width * height]
    return sum(1 for value in pixels if value < 200) / (width * height)


def test_the_demo_members_report_tells_the_same_numbers_in_json_csv_and_html(stack: Stack) -> None:
    """Brand A's report from the demo data (`make seed`; played here when the demo people are not there
    yet), the same in every format, and the numbers that the services answer Brand A (the last twelve
    months, the report's default period)."""

    def demo_login() -> httpx.Response:
        return httpx.post(f"{stack.gateway_url}/access/login", json={"email": DEMO_MEMBER, "password": DEMO_PASSWORD},
                          timeout=30)

    login = demo_login()
    if login.status_code != 200:
        stack_command("up", "--seed", quiet=True)  # what `make seed` does
        login = demo_login()
    assert login.status_code == 200, login.text
    browser = signed_in(stack, DEMO_MEMBER, DEMO_PASSWORD)
    try:
        figures = {key(f): f["value"] for f in browser.get("/member/due-diligence.json").json()["figures"]}
        rows = list(csv.DictReader(io.StringIO(browser.get("/member/due-diligence.csv").text)))
        page = browser.get("/member/due-diligence").text
    finally:
        browser.close()
    assert {key(row): int(row["value"]) for row in rows} == figures
    assert {name: int(value) for name, value in re.findall(r'data-figure-row="([^"]+)">(\d+)<', page)} == figures

    gateway = Gateway(stack)
    try:
        token = login.json()["access_token"]
        sites = [link["factory_id"] for link in gateway.ok("GET", "/access/links", token) if link["active"]]
        audits = [a for site in sites for a in gateway.ok("GET", "/audits/audits", token, params={"factory_id": site})]
    finally:
        gateway.close()
    today = datetime.now(UTC).date()
    reports = [a["report"] for a in audits if a["report"]
               and today - timedelta(days=365) <= date.fromisoformat(a["report"]["published_at"][:10]) <= today]
    findings = [f for report in reports for f in report["findings"]]
    assert figures[name("supply_chain", "tier_1_sites")] == len(sites)
    assert figures[name("audits", "reports_published")] == len(reports)
    for letter, n in Counter(report["letter"] for report in reports).items():
        assert figures[name("audits", "reports_by_letter", category=letter)] == n
    assert figures[name("findings", "findings")] == len(findings)
    assert figures[name("alerts", "critical_alerts")] == sum(1 for f in findings if f["alert"] or f["zero_tolerance_topic"])
