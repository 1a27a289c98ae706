"""The due-diligence report in the browser: found from the member's menu, its charts and tables accessible,
its period chosen with a plain form, and its PDF and CSV a click away."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from shared_audits_client.story import publish_report_with_findings
from tests.browser.axe import assert_accessible
from tests.browser.conftest import PortalWorld
from tests.integration.cap_flows import finding

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_a_member_opens_its_due_diligence_report_from_the_menu_and_chooses_the_period(
        portal_world: PortalWorld, open_as) -> None:
    publish_report_with_findings(portal_world.cast, [finding("9 Health and safety", "major"),
                                                     finding("7 Working hours", "minor", "Overtime not recorded")])
    page: Page = open_as(portal_world.emails["member_a"])
    page.get_by_role("link", name="Due diligence", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Due-diligence report")
    expect(page.get_by_role("link", name="Due diligence", exact=True)).to_have_attribute("aria-current", "page")
    expect(page.locator('[data-figure="supply_chain:tier_1_sites:::::"]')).to_have_text("1")
    expect(page.get_by_role("img", name="Findings by chapter and severity")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("From").fill("2020-01-01")
    page.get_by_label("To").fill("2020-12-31")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator('[data-figure="audits:reports_published:::::"]')).to_have_text("0")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="The figures as CSV").click()
    assert download_info.value.suggested_filename == "due-diligence-2020-01-01-2020-12-31.csv"

    page.get_by_label("To").fill("2019-01-01")
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("alert")).to_contain_text("must end after it starts")
    assert_accessible(page)
