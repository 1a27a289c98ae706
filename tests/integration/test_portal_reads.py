"""The lists the web portal reads through the gateway, with the signed-in user's token.

The directory of organisations (the operator's, and a member's choice of audit company), an
audit company's mandates, a member's and a factory's view of a site's audits, the registry's
duplicate pairs for the operator, and what a factory's own user may do before an audit.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from shared_audits_client.story import Cast
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
