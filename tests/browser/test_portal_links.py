"""A link needs the factory's consent, in the browser: the member asks from the search, the factory
accepts on its page, and later ends the link after confirming."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import PortalWorld

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def status_until(page: Page, path: str, wanted: int, timeout: float = 30.0) -> None:
    """Open the page until it answers ``wanted``: the services learn of a link change by events."""
    deadline = time.monotonic() + timeout
    while (status := page.goto(path).status) != wanted:
        assert time.monotonic() < deadline, f"{path} answered {status}, not {wanted}"
        time.sleep(0.5)


def test_the_factory_accepts_a_request_in_the_portal_and_later_ends_the_link(
    portal_world: PortalWorld, open_as
) -> None:
    world = portal_world
    site_name = world.cast.operator.factory(world.factory_id)["name"]
    outsider_name = world.outsider.my_organisation()["name"]
    site_page = f"/member/sites/{world.factory_id}"

    # The member finds the site and asks for a link: it sees the card, not the site.
    member = open_as(world.emails["outsider"])
    member.goto("/member/search")
    member.get_by_label("Name").fill(site_name)
    member.get_by_role("button", name="Search", exact=True).click()
    card = member.locator(f"#link-{world.factory_id}")
    card.get_by_role("button", name="Request a link").click()
    expect(card).to_contain_text("Link requested")
    assert_accessible(member)
    assert member.goto(site_page).status == 404

    # The factory sees who asks, and accepts with a word.
    factory = open_as(world.emails["factory"])
    factory.get_by_role("link", name="Link requests").click()
    request = factory.locator("li.card", has_text=outsider_name)
    expect(request).to_be_visible()
    assert_accessible(factory)
    request.get_by_label("A message to the member (optional)").fill("Welcome aboard.")
    request.get_by_role("button", name="Accept").click()
    expect(factory.get_by_role("status")).to_contain_text("The request is accepted.")
    expect(factory.get_by_role("table")).to_contain_text(outsider_name)

    # The member now opens the site.
    status_until(member, site_page, 200)
    expect(member.get_by_role("heading", level=1)).to_contain_text(site_name)

    # The factory ends the link after confirming; the site is gone for the member.
    factory.get_by_role("link", name=f"End the link with {outsider_name}").click()
    expect(factory.get_by_role("heading", level=1)).to_have_text(f"End the link with {outsider_name}?")
    assert_accessible(factory)
    factory.get_by_role("button", name="Yes, end the link").click()
    expect(factory.get_by_role("status")).to_contain_text("The link has ended.")
    status_until(member, site_page, 404)
