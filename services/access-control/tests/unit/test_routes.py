"""access-control's routes in process: the app built on fakes (no MongoDB, no Kafka), called over HTTP."""

from __future__ import annotations

import jwt
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.testing import InMemorySharedAdapters, operator
from shared_audits.testing.app import RunningApp

from .fakes import KNOWN_SITE, call, register

PROBLEM = "application/problem+json"


def factory_scoped_reads(factory_id: str, organisation_id: str) -> list[str]:
    """Every GET that names a site or another organisation: what a member may not learn of."""
    return [f"/links/{factory_id}/history", f"/organisations/{organisation_id}"]


async def test_every_factory_scoped_read_answers_an_unlinked_member_as_for_an_unknown_id(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    site = await register(app, shared, "Sunrise Garments", OrganisationKind.FACTORY, KNOWN_SITE)
    linked = await register(app, shared, "Brand A", OrganisationKind.MEMBER)
    stranger = await register(app, shared, "Brand B", OrganisationKind.MEMBER)
    asked = await call(app, shared, linked, "POST", "/links", json={"factory_id": KNOWN_SITE,
                                                                   "relationship": "supplier"})
    assert asked.status_code == 202, asked.text
    accepted = await call(app, shared, site, "POST", f"/link-requests/{asked.json()['request_id']}/accept")
    assert accepted.status_code == 200, accepted.text

    hidden_paths = factory_scoped_reads(KNOWN_SITE, site.organisation_id)
    for hidden_path, unknown_path in zip(hidden_paths, factory_scoped_reads("f-unknown", "org-unknown"),
                                         strict=True):
        hidden = await call(app, shared, stranger, "GET", hidden_path)
        unknown = await call(app, shared, stranger, "GET", unknown_path)
        assert (hidden.status_code, unknown.status_code) == (404, 404), hidden_path
        assert hidden.headers["content-type"] == unknown.headers["content-type"] == PROBLEM
        assert {**hidden.json(), "detail": None} == {**unknown.json(), "detail": None}, hidden_path
    assert (await call(app, shared, linked, "GET", hidden_paths[0])).status_code == 200
    assert (await call(app, shared, site, "GET", hidden_paths[1])).status_code == 200
    assert (await call(app, shared, operator(), "GET", hidden_paths[1])).status_code == 200


async def test_a_link_opens_only_when_the_factory_accepts_and_the_operator_answers_only_with_a_reason(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    site = await register(app, shared, "Sunrise Garments", OrganisationKind.FACTORY, KNOWN_SITE)
    brand = await register(app, shared, "Brand A", OrganisationKind.MEMBER)
    asked = await call(app, shared, brand, "POST", "/links", json={"factory_id": KNOWN_SITE,
                                                                  "relationship": "supplier"})
    assert (asked.status_code, asked.json()["status"], asked.json()["active"]) == (202, "requested", False)
    again = await call(app, shared, brand, "POST", "/links", json={"factory_id": KNOWN_SITE,
                                                                  "relationship": "supplier"})
    assert (again.status_code, again.json()["request_id"]) == (202, asked.json()["request_id"])
    unknown_site = await call(app, shared, brand, "POST", "/links", json={"factory_id": "f-unknown",
                                                                         "relationship": "supplier"})
    assert (unknown_site.status_code, unknown_site.headers["content-type"]) == (404, PROBLEM)

    requests = await call(app, shared, site, "GET", "/link-requests")
    assert [(r["member_name"], r["status"]) for r in requests.json()] == [("Brand A", "requested")]
    request_id = asked.json()["request_id"]
    no_reason = await call(app, shared, operator(), "POST", f"/link-requests/{request_id}/accept", json={})
    assert no_reason.status_code == 422
    assert [error["field"] for error in no_reason.json()["errors"]] == ["body.reason"]

    accepted = await call(app, shared, site, "POST", f"/link-requests/{request_id}/accept",
                          json={"message": "Welcome"})
    assert (accepted.status_code, accepted.json()["status"]) == (200, "active")
    mine = await call(app, shared, brand, "GET", "/links")
    assert [(link["factory_id"], link["status"], link["active"]) for link in mine.json()] == [
        (KNOWN_SITE, "active", True)
    ]
    changed = await call(app, shared, brand, "POST", "/links", json={"factory_id": KNOWN_SITE,
                                                                    "relationship": "in_referencing"})
    assert (changed.status_code, changed.json()["relationship"]) == (200, "in_referencing")
    ended = await call(app, shared, site, "DELETE", f"/factory-links/{brand.organisation_id}")
    assert (ended.status_code, ended.json()["status"]) == (200, "ended")
    assert (await call(app, shared, site, "GET", "/factory-links")).json() == []


async def test_a_member_group_shows_its_agreement_to_the_operator_only(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    first = await register(app, shared, "Brand A", OrganisationKind.MEMBER)
    second = await register(app, shared, "Brand B", OrganisationKind.MEMBER)
    formed = await call(app, shared, operator(), "POST", "/member-groups",
                        json={"name": "Alliance", "member_ids": [first.organisation_id, second.organisation_id],
                              "agreement": "Signed 2026-01-05, kept by the operator"})
    assert (formed.status_code, formed.json()["agreement"]) == (201, "Signed 2026-01-05, kept by the operator")
    seen = (await call(app, shared, first, "GET", "/member-groups")).json()
    assert [(group["name"], group["agreement"]) for group in seen] == [("Alliance", None)]
    assert sorted(m["name"] for m in seen[0]["members"]) == ["Brand A", "Brand B"]
    too_few = await call(app, shared, operator(), "POST", "/member-groups",
                         json={"name": "Alone", "member_ids": [first.organisation_id], "agreement": "-"})
    assert (too_few.status_code, too_few.json()["errors"][0]["field"]) == (422, "body.member_ids")


async def test_the_directory_answers_a_page_at_a_time_with_a_link_to_the_next(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    ids = sorted([(await register(app, shared, name, OrganisationKind.MEMBER)).organisation_id
                  for name in ("Brand A", "Brand B", "Brand C")])
    first = await call(app, shared, operator(), "GET", "/organisations", params={"kind": "member", "limit": 2})
    assert [organisation["organisation_id"] for organisation in first.json()] == ids[:2]
    assert first.headers["X-Next-Cursor"] == ids[1]
    next_page = first.headers["Link"].split(">")[0].lstrip("<")
    rest = await app.client.get(next_page, headers=shared.token_verifier.headers(operator()))
    assert [organisation["organisation_id"] for organisation in rest.json()] == ids[2:]
    assert "Link" not in rest.headers


async def test_the_operator_gets_a_token_signed_by_the_published_key(app: RunningApp) -> None:
    answer = await app.client.post("/access/token", data={"grant_type": "client_credentials",
                                                          "client_id": "operator",
                                                          "client_secret": "dev-operator-secret-change-me"})
    assert answer.status_code == 200, answer.text
    kid = jwt.get_unverified_header(answer.json()["access_token"])["kid"]
    jwks = (await app.client.get("/access/.well-known/jwks.json")).json()
    assert [key["kid"] for key in jwks["keys"]] == [kid]
    wrong = await app.client.post("/access/token", data={"grant_type": "client_credentials",
                                                         "client_id": "operator", "client_secret": "wrong"})
    assert (wrong.status_code, wrong.headers["content-type"]) == (401, PROBLEM)


async def test_a_sites_link_requests_answer_a_page_at_a_time_with_a_link_to_the_next(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    site = await register(app, shared, "Sunrise Garments", OrganisationKind.FACTORY, KNOWN_SITE)
    for name in ("Brand A", "Brand B", "Brand C"):
        brand = await register(app, shared, name, OrganisationKind.MEMBER)
        asked = await call(app, shared, brand, "POST", "/links", json={"factory_id": KNOWN_SITE,
                                                                      "relationship": "supplier"})
        assert asked.status_code == 202, asked.text
    first = await call(app, shared, site, "GET", "/link-requests", params={"limit": 2})
    assert len(first.json()) == 2 and first.headers["X-Next-Cursor"]
    next_page = first.headers["Link"].split(">")[0].lstrip("<")
    rest = await app.client.get(next_page, headers=shared.token_verifier.headers(site))
    names = [request["member_name"] for request in [*first.json(), *rest.json()]]
    assert sorted(names) == ["Brand A", "Brand B", "Brand C"] and "Link" not in rest.headers


async def test_an_organisations_users_answer_a_page_at_a_time_with_a_link_to_the_next(
    app: RunningApp, shared: InMemorySharedAdapters
) -> None:
    brand = await register(app, shared, "Brand A", OrganisationKind.MEMBER)
    for name in ("ana", "ben", "cy"):
        invited = await call(app, shared, brand, "POST", "/users/invitations",
                             json={"organisation_id": brand.organisation_id, "email": f"{name}@brand.example",
                                   "roles": ["user"]})
        assert invited.status_code == 201, invited.text
    first = await call(app, shared, brand, "GET", "/users", params={"limit": 2})
    assert len(first.json()) == 2 and first.headers["X-Next-Cursor"]
    rest = await app.client.get(first.headers["Link"].split(">")[0].lstrip("<"),
                                headers=shared.token_verifier.headers(brand))
    emails = sorted(user["email"] for user in [*first.json(), *rest.json()])
    assert emails == ["ana@brand.example", "ben@brand.example", "cy@brand.example"] and "Link" not in rest.headers
