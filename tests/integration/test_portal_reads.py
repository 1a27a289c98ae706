"""The lists the web portal reads through the gateway, with the signed-in user's token.

The directory of organisations (the operator's, and a member's choice of audit company), an
audit company's mandates, a member's and a factory's view of a site's audits, the registry's
duplicate pairs for the operator, and what a factory's own user may do before an audit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import jwt
import pytest

from shared_audits_client import eventually
from shared_audits_client.story import (
    SAMPLE_PDF,
    Cast,
    current_code_of_conduct,
    link_with_consent,
    publish_report_with_findings,
    semi_announced_window,
)
from tests.integration.access_api import Gateway
from tests.integration.stack import Stack


@pytest.fixture
def gateway(stack: Stack) -> Iterator[Gateway]:
    gateway = Gateway(stack)
    yield gateway
    gateway.close()


def every_page(gateway: Gateway, path: str, token: str, **params: str | int) -> list[dict]:
    """Follow `Link: rel="next"` from the first page until the last."""
    entries: list[dict] = []
    response = gateway.call("GET", path, token, params=params)
    while True:
        assert response.status_code == 200, response.text
        entries += response.json()
        link = response.headers.get("Link")
        if link is None:
            assert "X-Next-Cursor" not in response.headers
            return entries
        assert link.endswith('>; rel="next"') and link.startswith(f"<{path}?")
        response = gateway.call("GET", link[1:link.index(">")], token)


def user_token(gateway: Gateway, organisation, roles: list[str]) -> str:
    """A user of the organisation, invited by its admin, signed in as the portal signs people in."""
    admin = gateway.client_token(organisation.client_id, organisation.client_secret)
    _, email = gateway.active_user(admin, roles)
    return gateway.login(email)["access_token"]


def refused(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


# access-control: the directory of organisations

def test_the_operator_lists_every_organisation_and_a_member_only_the_audit_companies_it_can_mandate(
    gateway: Gateway, cast: Cast
) -> None:
    operator = gateway.operator_token()
    ids = {role: organisation.organisation_id for role, organisation in cast.organisations.items()}
    suspended = gateway.register(operator, "audit_company")
    gateway.ok("POST", f"/access/organisations/{suspended['organisation_id']}/accreditation", operator,
               json={"status": "suspended", "reason": "obstruction reported"})

    # The operator pages through every organisation, audit companies with their accreditation status.
    everyone = {entry["organisation_id"]: entry for entry in every_page(gateway, "/access/organisations", operator,
                                                                        limit=100)}
    assert set(ids.values()) | {suspended["organisation_id"]} <= set(everyone)
    assert everyone[ids["auditor"]]["accreditation_status"] == "trial"
    assert everyone[suspended["organisation_id"]]["accreditation_status"] == "suspended"
    assert everyone[ids["factory"]] | {"registered_at": None} == {
        "organisation_id": ids["factory"], "name": cast.organisations["factory"].name, "kind": "factory",
        "factory_id": cast.factory_id, "accreditation_status": None, "registered_at": None}
    factories = every_page(gateway, "/access/organisations", operator, kind="factory", limit=200)
    assert {entry["kind"] for entry in factories} == {"factory"} and ids["factory"] in {
        entry["organisation_id"] for entry in factories}

    # A member's user sees audit companies only, never a suspended one, another member or a factory.
    member_user = user_token(gateway, cast.organisations["member_a"], ["user"])
    offered = every_page(gateway, "/access/organisations", member_user, limit=25)
    assert {entry["kind"] for entry in offered} == {"audit_company"}
    assert {entry["accreditation_status"] for entry in offered} <= {"trial", "accredited"}
    offered_ids = {entry["organisation_id"] for entry in offered}
    assert ids["auditor"] in offered_ids and suspended["organisation_id"] not in offered_ids
    assert refused(gateway.call("GET", "/access/organisations", member_user, params={"kind": "member"}), 403)

    # Factories and audit companies have no directory.
    for role in ("factory", "auditor"):
        admin = gateway.client_token(cast.organisations[role].client_id, cast.organisations[role].client_secret)
        assert "only the operator and members" in refused(gateway.call("GET", "/access/organisations", admin),
                                                          403)["detail"]
    bad = refused(gateway.call("GET", "/access/organisations", operator, params={"kind": "brand", "limit": 0}), 422)
    assert {error["field"] for error in bad["errors"]} == {"query.kind", "query.limit"}


# audit-service: an audit company's mandates; a site's audits as a member and as the factory see them

S9_FINDING = {
    "chapter": "S9", "severity": "major", "description": "Fire extinguishers last inspected 20 months ago.",
    "recommended_action": "Have all extinguishers inspected and tagged; keep the inspection log.",
}


def test_an_audit_company_lists_only_its_own_mandates_newest_first(gateway: Gateway, cast: Cast) -> None:
    operator = gateway.operator_token()
    factory_id, auditor_id = cast.factory_id, cast.organisations["auditor"].organisation_id
    site = gateway.ok("GET", f"/registry/factories/{factory_id}", operator)
    link_with_consent(cast.member_a, cast.factory, factory_id)
    published = publish_report_with_findings(cast, [S9_FINDING])
    pending = cast.member_a.mandate_audit(factory_id, auditor_id, **semi_announced_window())
    other_company = gateway.register(operator, "audit_company")
    # audit-service learns of a new audit company from its OrganisationRegistered: a moment later.
    elsewhere = eventually(lambda: cast.member_a.mandate_audit(factory_id, other_company["organisation_id"],
                                                               **semi_announced_window()))

    auditor_user = user_token(gateway, cast.organisations["auditor"], ["auditor"])

    def listed_with_the_sites_name() -> list[dict]:
        mandates = every_page(gateway, "/audits/mandates", auditor_user, limit=1)
        assert mandates[0]["factory_name"] is not None, "FactoryRegistered not projected yet"
        return mandates

    mandates = eventually(listed_with_the_sites_name)
    assert [m["audit_id"] for m in mandates] == [pending["audit_id"], published["audit_id"]]
    assert elsewhere["audit_id"] not in {m["audit_id"] for m in mandates}
    newest = mandates[0]
    assert newest | {"mandated_at": None} == {
        "audit_id": pending["audit_id"], "factory_id": factory_id, "factory_name": site["name"],
        "factory_country": "BD", "factory_city": "Gazipur", "member_id": cast.organisations["member_a"].organisation_id,
        "audit_type": "initial", "scope": "social", "announcement": "semi_announced",
        "window_starts_on": pending["window_starts_on"], "window_ends_on": pending["window_ends_on"],
        "status": "mandated", "mandated_at": None, "decided_at": None, "report_overdue_since": None,
    }
    assert mandates[1]["status"] == "report_published"
    only_pending = gateway.ok("GET", "/audits/mandates", auditor_user, params={"status": "mandated"})
    assert [m["audit_id"] for m in only_pending] == [pending["audit_id"]]

    for role in ("member_a", "factory"):
        token = gateway.client_token(cast.organisations[role].client_id, cast.organisations[role].client_secret)
        assert refused(gateway.call("GET", "/audits/mandates", token), 403)
    assert refused(gateway.call("GET", "/audits/mandates", auditor_user, params={"cursor": "not-ours"}), 422)


def test_linked_members_see_ratings_and_chapter_scores_the_factory_only_its_summary(
    gateway: Gateway, cast: Cast
) -> None:
    factory_id = cast.factory_id
    for member in (cast.member_a, cast.member_b):
        link_with_consent(member, cast.factory, factory_id)
    audit = publish_report_with_findings(cast, [S9_FINDING])

    # Both linked members' users see the rated report (a shared audit), with chapter scores and findings.
    for role in ("member_a", "member_b"):
        token = user_token(gateway, cast.organisations[role], ["user"])
        [seen] = [a for a in gateway.ok("GET", "/audits/audits", token, params={"factory_id": factory_id})
                  if a["report"]]
        report = seen["report"]
        assert seen["audit_id"] == audit["audit_id"] and report["letter"] == "B"
        assert 71 <= report["compliance_percentage"] <= 85
        assert {score["chapter"] for score in report["chapter_scores"]} >= {"S1", "S9"}
        assert report["detail"]["findings"][0]["description"] == S9_FINDING["description"]

    # The factory's user sees the summary of chapters, global % and letter: never the report itself;
    # nor an unannounced audit before its report.
    unannounced = cast.member_a.mandate_audit(factory_id, cast.organisations["auditor"].organisation_id,
                                              audit_type="follow_up", announcement="unannounced")
    factory_user = user_token(gateway, cast.organisations["factory"], ["user"])
    [summary] = gateway.ok("GET", "/audits/audits", factory_user, params={"factory_id": factory_id})
    assert summary["report"]["letter"] == "B" and summary["report"]["chapter_scores"]
    assert summary["report"]["detail"] is None and summary["report"]["findings"] is None and summary["due"] == []
    assert refused(gateway.call("GET", f"/audits/audits/{unannounced['audit_id']}", factory_user), 404)

    # An unlinked member sees nothing of the site: the same 404 as an unknown id.
    stranger = gateway.register(gateway.operator_token(), "member")
    stranger_token = gateway.client_token(stranger["client_id"], stranger["client_secret"])
    assert refused(gateway.call("GET", "/audits/audits", stranger_token, params={"factory_id": factory_id}), 404)


# factory-registry: the operator's review of duplicate sites

def test_the_operator_reviews_lookalike_sites_and_a_merge_ends_the_pair(gateway: Gateway, cast: Cast) -> None:
    operator = gateway.operator_token()
    label = uuid.uuid4().hex[:8]

    def register(name: str, address: str) -> dict:
        body = {"name": name, "country": "IS", "city": "Reykjavik", "address": address, "confirm_new": True}
        return gateway.ok("POST", "/registry/factories", operator, status=201, json=body)

    first = register(f"Nordic Knit {label} ehf", f"Hafnargata {label} 7")
    second = register(f"NORDIC KNIT {label}", f"hafnargata {label} 7")
    register(f"Glacier Wool {label}", f"Laugavegur {label} 1")

    def our_pairs() -> list[dict]:
        review = gateway.ok("GET", "/registry/duplicates", operator, params={"country": "IS", "limit": 200})
        assert review["country"] == "IS" and review["complete"] and review["rules_version"]
        assert review["truncated"] == (review["total_pairs"] > len(review["pairs"]))
        return [pair for pair in review["pairs"] if label in pair["first"]["name"] + pair["second"]["name"]]

    [pair] = our_pairs()
    assert pair["score"] >= 85 and pair["matched_on"] == ["name_address"]
    # The site registered first comes first, each with what the operator needs to decide.
    assert (pair["first"]["factory_id"], pair["second"]["factory_id"]) == (first["factory_id"], second["factory_id"])
    assert pair["second"] | {"registered_at": None} == {
        "factory_id": second["factory_id"], "name": second["name"], "legal_name": None, "address": second["address"],
        "city": "Reykjavik", "country": "IS", "coordinates": None, "identifiers": second["identifiers"],
        "registered_at": None}

    gateway.ok("POST", "/registry/merges", operator,
               json={"merged_factory_id": second["factory_id"], "surviving_factory_id": first["factory_id"]})
    assert our_pairs() == []

    for role in ("member_a", "factory", "auditor"):
        token = gateway.client_token(cast.organisations[role].client_id, cast.organisations[role].client_secret)
        assert refused(gateway.call("GET", "/registry/duplicates", token), 403)
    bad = refused(gateway.call("GET", "/registry/duplicates", operator, params={"country": "Iceland", "limit": 500}),
                  422)
    assert {error["field"] for error in bad["errors"]} == {"query.country", "query.limit"}


# what a factory's own users may do before and after an audit; factories get no notifications yet

PROFILE = {
    "workforce": {"female": 210, "male": 210, "permanent": 400, "temporary": 20, "migrant": 12, "under_18": 0},
    "buildings": [{"name": "Main block", "use": "production", "floors": 3, "year_built": 2009}],
    "dormitories": {"provided": False},
    "certifications": [{"scheme": "ISO 14001", "certificate_number": "EMS-1", "expires_on": "2030-01-31"}],
    "processes": [{"name": "cutting", "kind": "internal"}, {"name": "sewing", "kind": "internal"}],
}


def test_a_factory_user_signs_the_code_submits_the_profile_uploads_evidence_and_has_no_inbox(
    gateway: Gateway, cast: Cast
) -> None:
    factory_id = cast.factory_id
    link_with_consent(cast.member_a, cast.factory, factory_id)
    # The factory's admin (its primary client, from registration) invites its people.
    manager = user_token(gateway, cast.organisations["factory"], ["admin"])
    clerk = user_token(gateway, cast.organisations["factory"], ["user"])
    claims = jwt.decode(clerk, options={"verify_signature": False})
    assert (claims["org_kind"], claims["factory_id"]) == ("factory", factory_id)

    # The Code of Conduct: any user reads it; only an admin signs it, in the organisation's name.
    code = current_code_of_conduct(cast.operator)
    assert gateway.ok("GET", "/access/code-of-conduct/current", clerk)["version"] == code["version"]
    assert refused(gateway.call("POST", "/access/code-of-conduct/signatures", clerk,
                                json={"code_version": code["version"]}), 403)
    signature = gateway.ok("POST", "/access/code-of-conduct/signatures", manager, status=201,
                           json={"code_version": code["version"]})
    assert signature["factory_id"] == factory_id and signature["organisation_id"] == cast.organisations[
        "factory"].organisation_id

    # The Factory Profile: any user of the factory submits it.
    profile = gateway.ok("POST", f"/registry/factories/{factory_id}/profiles", clerk, status=201, json=PROFILE)
    assert profile["profile_version"] == 1 and profile["workforce_total"] == 420

    # After the audit, the CAP: any user of the factory uploads evidence for an item.
    cast.prepared_for_audit = True  # profile and signature done above, by the factory's users
    publish_report_with_findings(cast, [S9_FINDING])

    def opened_cap() -> dict:
        caps = cast.member_a.caps_of_factory(factory_id)
        assert caps, "no CAP yet"
        return caps[0]

    cap = eventually(opened_cap)
    item_id = cap["items"][0]["item_id"]
    evidence = eventually(lambda: gateway.ok(
        "POST", f"/evidence/caps/{cap['cap_id']}/items/{item_id}/files", clerk, status=201,
        files={"file": ("extinguisher-log.pdf", SAMPLE_PDF, "application/pdf")}))
    assert evidence["factory_id"] == factory_id and evidence["version_number"] == 1

    # The member hears of the CAP in its inbox; the factory has no inbox (nor webhooks or e-mail).

    def member_told_of_the_cap() -> None:
        assert "CapOpened" in {entry["event_type"] for entry in cast.member_a.inbox()}

    eventually(member_told_of_the_cap)
    assert "for members" in refused(gateway.call("GET", "/notifier/inbox", clerk), 403)["detail"]
    assert refused(gateway.call("GET", "/notifier/webhooks", manager), 403)
