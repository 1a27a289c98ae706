"""Users end to end through the gateway: invite, accept, log in, refresh, call another service, rotate keys."""

from collections.abc import Iterator

import jwt
import pytest

from shared_audits_client import eventually
from tests.integration.access_api import PASSWORD, Gateway
from tests.integration.stack import Stack


@pytest.fixture
def gateway(stack: Stack) -> Iterator[Gateway]:
    gateway = Gateway(stack)
    yield gateway
    gateway.close()


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def test_invited_user_logs_in_refreshes_and_survives_a_key_rotation(gateway: Gateway) -> None:
    operator = gateway.operator_token()
    brand = gateway.register(operator, "member")
    brand_admin = gateway.client_token(brand["client_id"], brand["client_secret"])

    # Given an invited user who accepted with a password ...
    user, email = gateway.active_user(brand_admin, ["user"])
    assert gateway.ok("GET", "/access/users", brand_admin)[0]["status"] == "active"

    # ... when she logs in, her token carries the user and her roles, and factory-registry accepts it.
    session = gateway.login(email)
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["org"], claims["org_kind"], claims["roles"]) == (
        user["user_id"], brand["organisation_id"], "member", ["user"])
    assert gateway.ok("GET", "/registry/factories", session["access_token"]) == []
    assert gateway.ok("GET", "/access/organisations/me", session["access_token"])["name"] == brand["name"]

    # Refresh rotates: the new refresh token works, the spent one is refused (and ends the session).
    refreshed = gateway.ok("POST", "/access/refresh", json={"refresh_token": session["refresh_token"]})
    assert refreshed["refresh_token"] != session["refresh_token"]
    old_token = refreshed["access_token"]
    old_kid = kid_of(old_token)

    # The operator rotates the signing key: the new key is published at once, signs a little later.
    new_key = gateway.ok("POST", "/access/keys/rotate", operator, status=201)
    published = {key["kid"] for key in gateway.ok("GET", "/access/.well-known/jwks.json")["keys"]}
    assert {old_kid, new_key["kid"]} <= published

    def signed_with_new_key() -> dict:
        tokens = gateway.login(email)
        assert kid_of(tokens["access_token"]) == new_key["kid"]
        return tokens

    new_session = eventually(signed_with_new_key, timeout=40.0, interval=1.0)
    # New tokens verify in every service; the old one still does until it expires.
    for token in (new_session["access_token"], old_token):
        assert gateway.ok("GET", "/registry/factories", token) == []
        assert gateway.ok("GET", "/access/organisations/me", token)["organisation_id"] == brand["organisation_id"]
    keys = {key["kid"]: key for key in gateway.ok("GET", "/access/keys", operator)}
    assert keys[old_kid]["retire_after"] is not None and keys[new_key["kid"]]["retire_after"] is None

    # The spent refresh token is refused; its reuse revoked that session, not the new one.
    reuse = gateway.call("POST", "/access/refresh", json={"refresh_token": session["refresh_token"]})
    assert reuse.status_code == 401 and reuse.json()["status"] == 401
    revoked = gateway.call("POST", "/access/refresh", json={"refresh_token": refreshed["refresh_token"]})
    assert revoked.status_code == 401
    assert gateway.ok("POST", "/access/refresh", json={"refresh_token": new_session["refresh_token"]})


def test_logout_and_disabling_end_sessions(gateway: Gateway) -> None:
    operator = gateway.operator_token()
    brand = gateway.register(operator, "member")
    brand_admin = gateway.client_token(brand["client_id"], brand["client_secret"])
    user, email = gateway.active_user(brand_admin, ["admin"])

    first = gateway.login(email)
    assert gateway.call("POST", "/access/logout", json={"refresh_token": first["refresh_token"]}).status_code == 204
    assert gateway.call("POST", "/access/refresh", json={"refresh_token": first["refresh_token"]}).status_code == 401

    second = gateway.login(email)
    gateway.ok("DELETE", f"/access/users/{user['user_id']}", brand_admin)
    assert gateway.call("POST", "/access/refresh", json={"refresh_token": second["refresh_token"]}).status_code == 401
    assert gateway.call("POST", "/access/login", json={"email": email, "password": PASSWORD}).status_code == 401


def test_an_invitation_is_used_once_and_wrong_passwords_are_refused(gateway: Gateway) -> None:
    operator = gateway.operator_token()
    company = gateway.register(operator, "audit_company")
    company_admin = gateway.client_token(company["client_id"], company["client_secret"])
    email = f"auditor-{company['organisation_id'][:8]}@audits.example.org"
    user = gateway.invite(company_admin, email, ["auditor"])
    token = gateway.acceptance_token(user["user_id"])

    too_short = gateway.call("POST", "/access/users/invitations/accept", json={"token": token, "password": "short"})
    assert too_short.status_code == 422 and too_short.json()["errors"][0]["field"] == "body.password"
    gateway.ok("POST", "/access/users/invitations/accept", json={"token": token, "password": PASSWORD})
    again = gateway.call("POST", "/access/users/invitations/accept", json={"token": token, "password": PASSWORD})
    assert again.status_code == 404

    wrong = gateway.call("POST", "/access/login", json={"email": email, "password": "not the password"})
    assert wrong.status_code == 401 and wrong.headers["content-type"] == "application/problem+json"
    assert gateway.login(email)["access_token"]
