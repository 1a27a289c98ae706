"""The Handbook says what the services apply: its numbers, read from the portal's page, equal what
audit-service and cap-service answer through the gateway (the rules, and the sample each audit must reach)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from portal.adapters.catalogs import load_translations
from portal.catalogs import read_catalog
from shared_audits_client.story import Cast
from tests.integration.access_api import PASSWORD, Gateway
from tests.integration.stack import Stack

pytestmark = pytest.mark.integration
WORKFORCES = (1, 150, 151, 500, 501, 1200, 1201, 25_000)


@pytest.fixture
def gateway(stack: Stack) -> Iterator[Gateway]:
    gateway = Gateway(stack)
    yield gateway
    gateway.close()


@pytest.fixture
def factory_person(gateway: Gateway, cast: Cast) -> tuple[str, str]:
    """A person of the cast's factory: their e-mail address and an access token."""
    factory = cast.organisations["factory"]
    _, email = gateway.active_user(gateway.client_token(factory.client_id, factory.client_secret), ["admin"])
    return email, gateway.login(email)["access_token"]


def handbook_page(stack: Stack, email: str, language: str = "en") -> str:
    """/handbook as the portal renders it for that person, signed in through the sign-in form."""
    with httpx.Client(base_url=stack.gateway_url, timeout=30, cookies={"sa_lang": language},
                      follow_redirects=True) as browser:
        form = browser.get("/signin").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        signed_in = browser.post("/signin", data={"csrf_token": token, "email": email, "password": PASSWORD,
                                                  "next": "/handbook"})
        assert signed_in.status_code == 200 and signed_in.url.path == "/handbook", signed_in.text[:500]
        return signed_in.text


def cells(html: str, row_attributes: str) -> dict[str, str]:
    """The data-field cells of the table row whose opening tag holds ``row_attributes``."""
    row = re.search(rf"<tr {re.escape(row_attributes)}[^>]*>(.*?)</tr>", html, re.S).group(1)
    return {name: value.strip() for name, value in re.findall(r'data-field="(\w+)">([^<]*)<', row)}


def number(text: str) -> float:
    return float(text.replace(",", ""))


def test_the_handbook_holds_the_samples_the_audit_service_requires(
        stack: Stack, gateway: Gateway, factory_person: tuple[str, str]) -> None:
    email, token = factory_person
    rules = gateway.ok("GET", "/audits/rules", token)
    page = handbook_page(stack, email)
    for workforce in WORKFORCES:
        required = gateway.ok("GET", "/audits/sampling", token, params={"workforce": workforce})
        assert required["rule_set_version"] == rules["versions"]["sampling"]
        (band,) = [b for b in rules["sample_ranges"]
                   if b["min_workers"] <= workforce and (b["max_workers"] is None or workforce <= b["max_workers"])]
        shown = cells(page, f'data-min-workers="{band["min_workers"]}"')
        for field in ("interviews", "focus_group_interviews", "individual_interviews", "documents", "auditor_days"):
            assert number(shown[field]) == required[field] == band[field], (workforce, field)
    follow_up = gateway.ok("GET", "/audits/sampling", token, params={"workforce": 25_000, "audit_type": "follow_up"})
    assert f"A follow-up audit takes {follow_up['auditor_days']:g} auditor-day" in page


def test_the_handbook_holds_the_letters_deadlines_and_versions_in_force(
        stack: Stack, gateway: Gateway, factory_person: tuple[str, str]) -> None:
    email, token = factory_person
    rules = gateway.ok("GET", "/audits/rules", token)
    deadlines = gateway.ok("GET", "/caps/rules", token)
    page = handbook_page(stack, email)
    for band in rules["letter_ranges"]:
        assert re.search(rf'data-letter="{band["letter"]}">.*?{band["min_percentage"]:g} %', page, re.S)
    for deadline in deadlines["deadlines"]:
        assert re.search(rf'data-severity="{deadline["severity"]}">.*?<td class="num">{deadline["days"]}</td>', page)
    for version in {*rules["versions"].values(), deadlines["version"]}:
        assert f'<td class="id">{version}</td>' in page
    assert f"within {rules['report_due_working_days']} working days" in page
    for chapter in rules["chapters"]:
        assert f'<tr data-chapter="{chapter["id"]}">' in page and chapter["title"] in page


def test_every_title_of_the_rule_sets_reads_in_french(
        stack: Stack, gateway: Gateway, factory_person: tuple[str, str]) -> None:
    """A title the rule sets gain must be added to portal/domain/rule_texts.py and translated."""
    email, token = factory_person
    rules = gateway.ok("GET", "/audits/rules", token)
    titles = [c["title"] for c in rules["chapters"]] + [t["title"] for t in rules["zero_tolerance_topics"]]
    titles += [q["text"] for c in rules["chapters"] for q in c["critical_questions"]]
    titles += [d["title"] for d in rules["documents"]] + [m["title"] for m in rules["worker_record_months"]]
    catalog = read_catalog("fr")
    assert [title for title in titles if catalog.get(title) is None or not catalog.get(title).string] == []
    french = load_translations("fr")
    page = handbook_page(stack, email, "fr")
    assert "Guide pour les usines" in page and french.gettext(rules["chapters"][0]["title"]) in page
