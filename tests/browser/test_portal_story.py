"""The audit cycle told through the portal, each step as the person of that role, in a real browser.

The factory signs the Code of Conduct, fills in its profile and uploads a PDF against a CAP item;
member A previews and accepts it; member B sees the progress and the decision on its dashboard.
(Mandating and reporting happen through the API here: their pages have tests of their own.)
"""

from __future__ import annotations

import json
import time
import zipfile

import pytest
from playwright.sync_api import Page, expect

from shared_audits_client.api import eventually
from shared_audits_client.story import (
    SAMPLE_PDF,
    STORY_WORKFORCE,
    report_rated_b,
    semi_announced_window,
    submit_when_ready,
)
from tests.browser.axe import assert_accessible
from tests.browser.conftest import PortalWorld

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def reload_until(page: Page, selector: str, text: str, timeout: float = 20.0) -> None:
    """Reload until the element shows the text: the portal reads state that events bring."""
    deadline = time.monotonic() + timeout
    while text not in (page.locator(selector).inner_text() if page.locator(selector).count() else ""):
        assert time.monotonic() < deadline, f"{selector} never showed {text!r} on {page.url}"
        time.sleep(0.3)
        page.reload()


def factory_signs_and_fills_in_its_profile(factory: Page) -> None:
    factory.goto("/factory/code-of-conduct")
    assert_accessible(factory)
    factory.get_by_label("I have read the Code of Conduct").check()
    factory.get_by_role("button", name="Sign the Code of Conduct").click()
    expect(factory.get_by_text("Your site has signed this version.")).to_be_visible()

    factory.goto("/factory/profile")
    assert_accessible(factory)
    for label, count in (("Women", 230), ("Men", 190), ("Permanent", 400), ("Temporary", 20)):
        factory.get_by_label(label, exact=True).fill(str(count))
    factory.get_by_role("button", name="Submit the new version").click()
    expect(factory.get_by_role("status")).to_contain_text("The new version of the profile is saved.")
    assert factory.get_by_label("Women", exact=True).input_value() == "230"


def audit_with_findings(world: PortalWorld) -> tuple[str, dict]:
    """Member A mandates, the audit company reports; the CAP the platform opens from the findings."""
    cast = world.cast
    auditor_id = cast.organisations["auditor"].organisation_id
    audit = eventually(lambda: cast.member_a.mandate_audit(world.factory_id, auditor_id, **semi_announced_window()))
    cast.auditor.answer_mandate(audit["audit_id"], "accept")
    report = report_rated_b(cast.auditor.questionnaire(), cast.auditor.sample_size(STORY_WORKFORCE))
    eventually(lambda: submit_when_ready(cast.auditor, audit["audit_id"], report))

    def opened() -> dict:
        caps = [c for c in cast.member_a.caps_of_factory(world.factory_id) if c["audit_id"] == audit["audit_id"]]
        assert caps, "no CAP yet"
        return caps[0]

    return audit["audit_id"], eventually(opened)


def factory_uploads_a_pdf(factory: Page, cap: dict) -> str:
    item_id = cap["items"][0]["item_id"]
    factory.goto("/factory/caps")
    factory.get_by_role("link", name="Open the plan of").first.click()
    assert_accessible(factory)
    item = factory.locator(f"#item-{item_id}")
    # Refused in the browser, before anything is sent: a type the platform does not take.
    item.locator("input[type=file]").set_input_files(
        {"name": "setup.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ" + bytes(64)})
    expect(item.get_by_role("status")).to_have_text("setup.exe is not a PDF, JPEG, PNG, DOCX or XLSX file.")
    # Refused after the upload: evidence-store checks the content, not the name.
    item.locator("input[type=file]").set_input_files(
        {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"just text, not a PDF"})
    item.get_by_role("button", name="Send the evidence").click()
    expect(factory.locator(f"#item-{item_id}").get_by_role("status")).to_contain_text("scan.pdf is not what its name says")
    item = factory.locator(f"#item-{item_id}")
    item.locator("input[type=file]").set_input_files(
        {"name": "extinguisher-inspection.pdf", "mimeType": "application/pdf", "buffer": SAMPLE_PDF})
    item.get_by_role("button", name="Send the evidence").click()
    updated = factory.locator(f"#item-{item_id}")
    expect(updated.get_by_role("status")).to_contain_text("The file was received")
    expect(updated).to_contain_text("extinguisher-inspection.pdf")
    # cap-service learns of the evidence through its event: the item's status follows shortly.
    reload_until(factory, f"#item-{item_id}", "evidence sent, waiting for a decision")
    return item_id


def site_card(member: Page, world: PortalWorld):
    member.goto("/member")
    return member.locator(".site-card", has=member.locator(f"a[href='/member/sites/{world.factory_id}']"))


def evidence_to_review(card) -> str:
    return card.locator("dt:has-text('Evidence to review') + dd").inner_text().strip()


def member_a_previews_and_accepts(member_a: Page, world: PortalWorld, item_id: str) -> None:
    member_a.goto(f"/member/sites/{world.factory_id}")
    assert_accessible(member_a)
    item = member_a.locator(f"#item-{item_id}")
    expect(item).to_contain_text("extinguisher-inspection.pdf")
    item.locator("summary", has_text="Preview").click()
    preview = item.locator("iframe.preview")
    expect(preview).to_be_visible()
    answer = member_a.request.get(preview.get_attribute("src"))
    assert answer.status == 200 and answer.headers["content-type"].startswith("application/pdf")
    assert answer.body() == SAMPLE_PDF
    item.get_by_label("Comment for the factory and the other members").fill("Inspection tags and log checked.")
    item.get_by_role("button", name="Accept the evidence").click()
    decided = member_a.locator(f"#item-{item_id}")
    expect(decided).to_contain_text("Accepted")
    expect(decided).to_contain_text("by your organisation")
    expect(decided).to_contain_text("Inspection tags and log checked.")


def test_evidence_travels_from_the_factory_to_both_members(portal_world: PortalWorld, open_as) -> None:
    world = portal_world
    factory = open_as(world.emails["factory"])
    factory_signs_and_fills_in_its_profile(factory)
    audit_id, cap = audit_with_findings(world)
    item_id = factory_uploads_a_pdf(factory, cap)

    member_b = open_as(world.emails["member_b"])
    expect(site_card(member_b, world)).to_be_visible()
    assert evidence_to_review(site_card(member_b, world)) == "1"
    assert_accessible(member_b)

    member_a = open_as(world.emails["member_a"])
    member_a_previews_and_accepts(member_a, world, item_id)

    # Member B sees the progress on its dashboard and the decision, without learning who decided.
    deadline = time.monotonic() + 20
    while evidence_to_review(site_card(member_b, world)) != "0":
        assert time.monotonic() < deadline, "member B's dashboard never showed the decision"
        time.sleep(0.3)
    member_b.goto(f"/member/sites/{world.factory_id}")
    item = member_b.locator(f"#item-{item_id}")
    expect(item).to_contain_text("Accepted")
    expect(item).to_contain_text("by another linked member")
    assert world.cast.organisations["member_a"].name not in member_b.content()
    assert_accessible(member_b)

    # The factory sees the decision on its plan, and its rating summary but never the full report.
    reload_until(factory, f"#item-{item_id}", "accepted")
    factory.goto("/factory")
    expect(factory.locator("main")).to_contain_text("Audit ratings")
    assert factory.goto(f"/member/audits/{audit_id}").status == 404
    assert member_a.goto(f"/member/audits/{audit_id}").status == 200
    assert_accessible(member_a)


def test_a_member_not_linked_gets_404_on_the_site_and_its_report(portal_world: PortalWorld, open_as) -> None:
    world = portal_world
    outsider = open_as(world.emails["outsider"])
    response = outsider.goto(f"/member/sites/{world.factory_id}")
    assert response.status == 404
    expect(outsider.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(outsider)
    audits = world.cast.member_a.call("GET", "/audits/audits", params={"factory_id": world.factory_id})
    for audit in audits:
        assert outsider.goto(f"/member/audits/{audit['audit_id']}").status == 404
    site_name = world.cast.member_a.factory(world.factory_id)["name"]
    outsider.goto("/member")
    assert site_name not in outsider.content()


def test_a_member_downloads_its_archive_and_a_factory_does_not_find_the_page(
    portal_world: PortalWorld, open_as
) -> None:
    """The export page counts what the archive will hold; the download is that archive (docs/member-export.md)."""
    member = open_as(portal_world.emails["member_a"])
    member.get_by_role("link", name="Export").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Export your data")
    expect(member.get_by_role("row", name="Sites")).to_contain_text("1")
    assert_accessible(member)

    with member.expect_download() as download:
        member.get_by_role("link", name="Download the archive").click()
    assert download.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.value.path()) as archive:
        document = json.loads(archive.read("export.json"))
        assert [site["factory_id"] for site in document["factories"]] == [portal_world.factory_id]
        for evidence in document["evidence"]:  # the story's upload, when it ran before
            assert archive.read(evidence["archive_path"]) == SAMPLE_PDF

    factory = open_as(portal_world.emails["factory"])
    assert factory.goto("/member/export").status == 404
