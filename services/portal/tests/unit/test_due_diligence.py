"""The due-diligence report: its numbers from plain data, and its page, PDF, CSV and JSON over a fake gateway."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import date
from functools import partial
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from portal.domain.due_diligence import CSV_COLUMNS, Period, PeriodError, SiteData, as_csv, as_json, build_report

from .conftest import FakeGateway, sign_in

PERIOD = Period(date(2026, 6, 1), date(2026, 11, 30))
MADE_ON = date(2026, 11, 30)
TITLES = {"S1": "Child labour", "S7": "Working hours", "S9": "Health and safety"}


def finding(finding_id: str, chapter: str, severity: str, alert: bool = False) -> dict:
    return {"finding_id": finding_id, "chapter": chapter, "severity": severity, "description": f"{chapter} {severity}",
            "observation": None, "recommended_action": "Correct it", "question_id": None,
            "zero_tolerance_topic": "locked_exits" if alert else None, "alert": alert}


def audit(audit_id: str, factory_id: str, published_at: str, findings: list[dict], member_id: str = "org-1",
          audit_type: str = "initial", due: list[dict] | None = None, nonconformities: dict | None = None,
          chapters: tuple[str, ...] = ("S1", "S7", "S9"), letter: str = "C") -> dict:
    counted = nonconformities if nonconformities is not None else {
        c: sum(1 for f in findings if f["chapter"] == c) for c in chapters}
    return {"audit_id": audit_id, "factory_id": factory_id, "member_id": member_id, "audit_company_id": "ac-1",
            "audit_type": audit_type, "scope": "social", "announcement": "semi_announced", "status": "report_published",
            "mandated_at": "2026-01-01T00:00:00Z", "report_overdue_since": None, "due": due or [],
            "report": {"letter": letter, "compliance_percentage": 60.0, "published_at": published_at,
                       "chapter_scores": [{"chapter": c, "title": TITLES[c], "percentage": 80.0} for c in chapters],
                       "findings": findings,
                       "detail": {"findings": findings, "has_alert": any(f["alert"] for f in findings),
                                  "nonconformities_by_chapter": counted}}}


def item(item_id: str, finding_id: str, chapter: str, severity: str, status: str, deadline: str,
         accepted_at: str | None = None, overdue: bool = False, **extra) -> dict:
    decisions = [{"decision": "accept", "member_id": "org-1", "decided_by": "u", "comment": None,
                  "decided_at": accepted_at}] if accepted_at else []
    return {"item_id": item_id, "finding_id": finding_id, "severity": severity, "description": "", "chapter": chapter,
            "recommended_action": "", "deadline": deadline, "status": status, "evidence_ids": [],
            "decisions": decisions, "follow_ups": [], "overdue": overdue, **extra}


def cap(cap_id: str, factory_id: str, opened_at: str, items: list[dict]) -> dict:
    return {"cap_id": cap_id, "audit_id": "a", "factory_id": factory_id, "status": "open", "rule_set_version": "1",
            "opened_at": opened_at, "progress": {"items_closed": 0, "items_total": len(items)}, "items": items}


SUNRISE = {"factory_id": "site-1", "name": "Sunrise Garments", "country": "BD", "city": "Gazipur"}
ANATOLIA = {"factory_id": "site-2", "name": "Anatolia Denim", "country": "TR", "city": "Denizli"}
DYE_HOUSE = {"factory_id": "sub-1", "name": "Dhaka Dye House", "country": "BD", "city": "Dhaka", "identifiers": {}}


def world() -> list[SiteData]:
    sunrise = SiteData(
        factory_id="site-1", factory=SUNRISE, linked_since="2026-01-05T00:00:00Z",
        upstream=[{"site": DYE_HOUSE, "processes": [{"name": "Dyeing", "kind": "dyeing", "subcontractor_id": "sub-1"}]}],
        audits=[
            audit("old", "site-1", "2025-01-10T08:00:00Z", [finding("f-0", "S1", "major")]),
            audit("a-1", "site-1", "2026-11-01T08:00:00Z",
                  [finding("f-1", "S9", "major"), finding("f-2", "S9", "critical", alert=True),
                   finding("f-3", "S7", "minor")],
                  due=[{"kind": "follow_up", "due_on": "2026-11-20", "state": "announced"},
                       {"kind": "re_audit", "due_on": "2027-11-01", "state": "pending"}]),
        ],
        caps=[cap("cap-old", "site-1", "2025-01-11T00:00:00Z",
                  [item("i-0", "f-0", "S1", "major", "closed", "2025-03-11")]),
              cap("cap-1", "site-1", "2026-11-02T00:00:00Z", [
                  item("i-1", "f-1", "S9", "major", "accepted", "2027-01-01", accepted_at="2026-11-05T09:00:00Z"),
                  item("i-2", "f-2", "S9", "critical", "open", "2026-11-15", overdue=True),
                  item("i-3", "f-3", "S7", "minor", "evidence_submitted", "2027-02-01")])],
    )
    anatolia = SiteData(
        factory_id="site-2", factory=ANATOLIA, linked_since=None,
        upstream=[{"site": DYE_HOUSE, "processes": ["Washing"]}],
        audits=[audit("a-2", "site-2", "2026-10-15T08:00:00Z", [finding("f-4", "S9", "minor")],
                      member_id="linked-member", chapters=("S1", "S9"), letter="B",
                      due=[{"kind": "re_audit", "due_on": "2026-11-10", "state": "satisfied"}])],
        caps=[],
    )
    return [sunrise, anatolia]


def test_the_period_defaults_to_the_last_twelve_months_and_refuses_an_end_before_its_start():
    assert Period.of(None, None, date(2026, 11, 30)) == Period(date(2025, 11, 30), date(2026, 11, 30))
    with pytest.raises(PeriodError):
        Period.of(date(2026, 2, 1), date(2026, 1, 1), date(2026, 11, 30))
    with pytest.raises(PeriodError):
        Period.of(date(2020, 1, 1), date(2026, 1, 1), date(2026, 11, 30))
    assert PERIOD.holds("2026-11-30T23:59:59Z") and not PERIOD.holds("2026-12-01T00:00:00Z")


def test_sites_are_tier_one_links_and_the_subcontractors_their_profiles_declare_once():
    report = build_report("org-1", PERIOD, MADE_ON, world(), TITLES)

    assert [site.name for site in report.sites] == ["Anatolia Denim", "Sunrise Garments"]
    [dye_house] = report.subcontractors
    assert dye_house.declared_by == ["Sunrise Garments", "Anatolia Denim"] or dye_house.declared_by == [
        "Anatolia Denim", "Sunrise Garments"]
    assert dye_house.processes == ["Dyeing", "Washing"] and dye_house.linked is False
    assert report.figure("supply_chain", "tier_1_sites").value == 2
    assert report.figure("supply_chain", "sites_by_country", country="BD").value == 1


def test_findings_count_by_chapter_and_severity_only_from_reports_published_in_the_period():
    report = build_report("org-1", PERIOD, MADE_ON, world(), TITLES)

    assert report.findings == {("S9", "major"): 1, ("S9", "critical"): 1, ("S7", "minor"): 1, ("S9", "minor"): 1}
    assert report.chapters == [("S7", "Working hours"), ("S9", "Health and safety")]
    assert (report.reports_in_period, report.reports_by_you) == (2, 1)
    assert report.figure("findings", "findings").value == 4
    assert report.figure("findings", "findings", severity="minor").value == 2
    assert report.figure("findings", "findings", chapter="S9", severity="critical").value == 1
    assert report.letters == {"B": 1, "C": 1}


def test_a_critical_alert_shows_what_followed_its_corrective_action_and_follow_up():
    report = build_report("org-1", PERIOD, MADE_ON, world(), TITLES)

    [alert] = report.alerts
    assert (alert.site, alert.chapter, alert.severity) == ("Sunrise Garments", "S9", "critical")
    assert (alert.item_status, alert.deadline, alert.overdue) == ("open", "2026-11-15", True)
    assert alert.follow_up_due_on == "2026-11-20"
    assert report.figure("alerts", "alerts_with_item_overdue").value == 1


def test_remediation_counts_items_of_caps_opened_in_the_period_with_their_dates():
    report = build_report("org-1", PERIOD, MADE_ON, world(), TITLES)

    # The old CAP's item is out of the period; the others come by deadline.
    assert [i.item_id for i in report.items] == ["i-2", "i-1", "i-3"]
    assert report.item_counts == {"open": 1, "evidence_submitted": 1, "rejected": 0, "accepted": 1, "closed": 0}
    assert report.items[1].accepted_at == "2026-11-05T09:00:00Z"
    assert report.items[0].overdue_since == "2026-11-16"
    assert report.items_overdue == 1
    # The CAP view of this world records no extensions: "not recorded", never a zero.
    assert report.items_extended is None
    assert not [f for f in report.figures if f.category == "extended"]


def test_granted_extensions_count_once_the_cap_view_records_them():
    sites = world()
    sites[0].caps[1]["items"][2]["extensions"] = [{"status": "granted"}, {"status": "refused"}]
    for entry in sites[0].caps[1]["items"][:2]:
        entry["extensions"] = []
    report = build_report("org-1", PERIOD, MADE_ON, sites, TITLES)

    assert report.items_extended == 1 and report.items[2].extensions_granted == 1
    assert report.figure("remediation", "items", category="extended").value == 1


def test_a_due_audit_is_missed_when_its_day_passed_without_an_audit_of_a_fitting_kind():
    report = build_report("org-1", PERIOD, MADE_ON, world(), TITLES)

    assert [(d.site, d.kind, d.missed, d.met) for d in report.due] == [
        ("Anatolia Denim", "re_audit", False, True), ("Sunrise Garments", "follow_up", True, False)]
    assert report.figure("due_audits", "missed", category="follow_up").value == 1
    # Before its day it is still ahead, not missed.
    early = build_report("org-1", PERIOD, date(2026, 11, 19), world(), TITLES)
    assert [d.missed for d in early.due] == [False, False]


def test_a_later_follow_up_audit_meets_the_follow_up_due_date():
    sites = world()
    sites[0].audits.append(audit("a-3", "site-1", "2026-11-18T08:00:00Z", [], audit_type="follow_up"))
    report = build_report("org-1", PERIOD, MADE_ON, sites, TITLES)

    assert [(d.kind, d.met, d.missed) for d in report.due if d.site == "Sunrise Garments"] == [
        ("follow_up", True, False)]


def test_the_risk_picture_takes_the_latest_report_of_each_site_in_the_period():
    report = build_report("org-1", PERIOD, MADE_ON, world(), TITLES)
    cells = {(c["country"], c["chapter"]): (c["nonconforming_factories"], c["factories"]) for c in report.risk_cells}

    assert cells == {("BD", "S1"): (0, 1), ("BD", "S7"): (1, 1), ("BD", "S9"): (1, 1),
                     ("TR", "S1"): (0, 1), ("TR", "S9"): (1, 1)}


def test_the_csv_and_the_json_hold_the_same_figures():
    report = build_report("org-1", PERIOD, MADE_ON, world(), TITLES)
    rows = list(csv.DictReader(io.StringIO(as_csv(report))))
    document = as_json(report)

    assert tuple(rows[0]) == CSV_COLUMNS
    assert [{k: str(v) for k, v in figure.items()} for figure in document["figures"]] == rows
    assert document["period"] == {"from": "2026-06-01", "to": "2026-11-30"}
    assert len({figure.key for figure in report.figures}) == len(report.figures)


# ---------------------------------------------------------------------------------------------- the pages


def answer(payload) -> callable:
    return lambda request: httpx.Response(200, json=payload)


@pytest.fixture
def member(gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch, portal: TestClient) -> TestClient:
    monkeypatch.setattr(gateway, "tokens", partial(FakeGateway.tokens, gateway, "member"))
    sites = {site.factory_id: site for site in world()}
    gateway.routes.update({
        ("GET", "/access/links"): answer([{"factory_id": f, "active": True, "status": "active", "since": None}
                                          for f in sites]),
        ("GET", "/access/organisations/me"): answer({"organisation_id": "org-1", "name": "Brand A"}),
        ("GET", "/audits/questionnaire"): answer({"chapters": [{"id": c, "title": t} for c, t in TITLES.items()]}),
        ("GET", "/audits/audits"): lambda r: httpx.Response(200, json=sites[r.url.params["factory_id"]].audits),
        ("GET", "/caps/caps"): lambda r: httpx.Response(200, json=sites[r.url.params["factory_id"]].caps),
    })
    for factory_id, site in sites.items():
        gateway.routes[("GET", f"/registry/factories/{factory_id}")] = answer(site.factory)
        gateway.routes[("GET", f"/registry/factories/{factory_id}/supply-chain/upstream")] = answer(
            {"factory_id": factory_id, "direction": "upstream", "sites": site.upstream})
    sign_in(portal)
    return portal


def test_the_page_shows_every_figure_of_the_json(member: TestClient):
    query = "?from=2026-06-01&to=2026-11-30"
    page = member.get("/member/due-diligence" + query)
    document = member.get("/member/due-diligence.json" + query).json()

    assert page.status_code == 200
    shown = dict(re.findall(r'data-figure-row="([^"]+)">([^<]*)<', page.text))
    assert shown == {":".join(str(f[c]) for c in CSV_COLUMNS[:-1]): str(f["value"]) for f in document["figures"]}
    assert re.search(r'data-figure="findings:findings::::critical:">1<', page.text)
    assert "What this report covers and what it cannot know" in page.text and "Dhaka Dye House" in page.text
    assert "not recorded" in page.text
    csv_text = member.get("/member/due-diligence.csv" + query)
    assert csv_text.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(csv_text.text)))) == len(document["figures"])


def test_a_wrong_period_is_explained_on_the_page_and_refused_for_the_files(member: TestClient):
    page = member.get("/member/due-diligence?from=2026-12-01&to=2026-01-01")
    assert page.status_code == 422 and "must end after it starts" in page.text
    assert member.get("/member/due-diligence.csv?from=someday").status_code == 422


def test_the_report_is_a_members_own(portal: TestClient):
    sign_in(portal)  # a factory's user
    for suffix in ("", ".pdf", ".csv", ".json"):
        assert portal.get("/member/due-diligence" + suffix).status_code == 404


def test_the_pdf_prints_chinese_and_bengali_names_with_debian_noto_fonts(member: TestClient, gateway: FakeGateway,
                                                                         tmp_path: Path):
    gateway.routes[("GET", "/registry/factories/site-1")] = answer({**SUNRISE, "name": "深圳针织厂"})
    gateway.routes[("GET", "/registry/factories/site-2/supply-chain/upstream")] = answer(
        {"factory_id": "site-2", "direction": "upstream",
         "sites": [{"site": {**DYE_HOUSE, "factory_id": "sub-2", "name": "ঢাকা ডাই হাউস"}, "processes": ["dyeing"]}]})
    pdf = member.get("/member/due-diligence.pdf?from=2026-06-01&to=2026-11-30")
    if pdf.status_code == 503:
        pytest.skip("WeasyPrint cannot load here (Pango missing)")

    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"] == 'attachment; filename="due-diligence-2026-06-01-2026-11-30.pdf"'
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    (tmp_path / "report.pdf").write_bytes(pdf.content)
    listed = subprocess.run(["pdffonts", str(tmp_path / "report.pdf")], capture_output=True, text=True, check=True)
    fonts = {line.split()[0].split("+")[-1].replace("-", "") for line in listed.stdout.splitlines()[2:]}
    assert any(font.startswith("NotoSansCJK") for font in fonts), fonts
    assert any(font.startswith("NotoSansBengali") for font in fonts), fonts


def test_an_item_flagged_overdue_before_its_deadline_tells_no_day_ahead():
    """An as-of check run for a later day may flag an item early: it reads overdue, with no day in the future."""
    report = build_report("org-1", PERIOD, date(2026, 11, 10), world(), TITLES)

    flagged = next(item for item in report.items if item.item_id == "i-2")
    assert flagged.overdue is True and flagged.overdue_since is None
