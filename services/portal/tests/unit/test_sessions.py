"""Sign-in, the session cookie, CSRF and the end of a session, over a fake gateway."""

from __future__ import annotations

import time

import httpx

from portal.adapters.session_cookie import SessionCookie
from portal.domain.session import Session, SignedInUser

from .conftest import FakeGateway, csrf_of, sign_in


def a_session() -> Session:
    user = SignedInUser("u", "f@site.example.org", "org-1", "factory", ("admin",), "site-1")
    return Session(user, "access", "refresh", time.time() + 900, time.time())


def test_the_cookie_round_trips_and_a_tampered_one_reads_as_no_session() -> None:
    cookies = SessionCookie("a secret of enough length", 3600)
    value = cookies.encode(a_session())
    decoded = cookies.decode(value)
    assert decoded is not None and decoded.user == a_session().user and decoded.access_token == "access"
    assert "access" not in value and "refresh" not in value  # encrypted, not just signed
    assert cookies.decode(value[:-4] + "AAAA") is None
    assert SessionCookie("another secret, also long", 3600).decode(value) is None


def test_signing_in_sets_an_http_only_same_site_cookie_and_goes_to_the_role_home(portal) -> None:
    response = sign_in(portal)
    assert response.status_code == 303 and response.headers["location"] == "/factory"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("sa_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # development on plain http; outside development cookies are Secure


def test_a_wrong_password_shows_the_form_again_with_a_message(portal) -> None:
    response = sign_in(portal, password="wrong")  # pragma: allowlist secret
    assert response.status_code == 401
    assert "The e-mail address or the password is not right." in response.text
    assert "sa_session=" not in response.headers.get("set-cookie", "")


def test_a_form_post_without_the_csrf_token_is_refused(portal) -> None:
    sign_in(portal)
    response = portal.post("/factory/code-of-conduct", data={"code_version": "1", "agree": "yes"})
    assert response.status_code == 403
    assert "This form has expired" in response.text
    forged = portal.post("/signout", data={"csrf_token": "made-up"})
    assert forged.status_code == 403


def test_the_csrf_token_of_another_browser_is_refused(portal, gateway: FakeGateway) -> None:
    other_token = csrf_of(portal.get("/signin").text)
    portal.cookies.clear()
    portal.get("/signin")  # a new CSRF cookie
    response = portal.post("/signin", data={"csrf_token": other_token, "email": "x@y.example.org", "password": "p"})
    assert response.status_code == 403
    assert not any(r.url.path == "/access/login" for r in gateway.requests)


def test_a_page_without_a_session_goes_to_sign_in_and_an_ended_one_says_so(portal) -> None:
    assert portal.get("/factory", follow_redirects=False).headers["location"] == "/signin?next=/factory"
    portal.cookies.set("sa_session", "not-a-session")
    response = portal.get("/factory", follow_redirects=False)
    assert response.headers["location"] == "/signin?next=/factory&expired=1"
    assert "Your session has ended" in portal.get("/signin?next=/factory&expired=1").text


def test_an_htmx_request_without_a_session_is_told_where_to_go(portal) -> None:
    response = portal.get("/factory", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.status_code == 200 and response.headers["HX-Redirect"].startswith("/signin")


def test_a_token_near_its_end_is_renewed_once_and_the_cookie_replaced(portal, gateway: FakeGateway) -> None:
    gateway.expires_in = 10  # inside the refresh margin: the next page renews it
    sign_in(portal)
    gateway.routes[("GET", "/access/code-of-conduct/current")] = lambda _: httpx.Response(404, json={})
    gateway.routes[("GET", "/access/code-of-conduct/signatures")] = lambda _: httpx.Response(200, json=[])
    before = portal.cookies.get("sa_session")
    response = portal.get("/factory/code-of-conduct")
    assert response.status_code == 200
    assert gateway.refreshes == 1
    assert portal.cookies.get("sa_session") != before


def test_no_page_carries_a_token(portal, gateway: FakeGateway) -> None:
    sign_in(portal)
    access = gateway.tokens()["access_token"].split(".")[0]
    assert access not in portal.get("/signin?expired=1").text
    assert "sa_session" not in portal.get("/signin").text


def test_sign_out_ends_the_session_at_access_control_and_in_the_browser(portal, gateway: FakeGateway) -> None:
    sign_in(portal)
    gateway.routes[("POST", "/access/logout")] = lambda _: httpx.Response(204)
    token = csrf_of(portal.get("/signin?expired=1").text)
    response = portal.post("/signout", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/signin"
    assert any(r.url.path == "/access/logout" for r in gateway.requests)
    assert portal.get("/factory", follow_redirects=False).headers["location"].startswith("/signin")


def test_the_next_address_never_leaves_the_site(portal) -> None:
    token = csrf_of(portal.get("/signin").text)
    form = {"csrf_token": token, "email": "f@site.example.org", "next": "//evil.example.org/",
            "password": "right password"}  # pragma: allowlist secret
    response = portal.post("/signin", data=form, follow_redirects=False)
    assert response.headers["location"] == "/factory"
