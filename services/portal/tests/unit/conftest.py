"""The portal in process, over a fake gateway (httpx.MockTransport): no server, no browser."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi.testclient import TestClient

from portal.bootstrap import build_app
from portal.config import Settings


def fake_jwt(claims: dict) -> str:
    """A token with the platform's claims; the portal reads them without checking the signature."""
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.c2ln"


@dataclass
class FakeGateway:
    """Answers the few calls the tests make; records every request."""

    routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    expires_in: int = 900
    refreshes: int = 0

    def tokens(self, org_kind: str = "factory") -> dict:
        claims = {"sub": "user-1", "org": "org-1", "org_kind": org_kind, "roles": ["admin"],
                  "factory_id": "site-1" if org_kind == "factory" else None, "exp": time.time() + 900}
        return {"access_token": fake_jwt(claims), "refresh_token": f"refresh-{self.refreshes}",
                "expires_in": self.expires_in, "refresh_expires_in": 3600, "token_type": "Bearer"}

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/healthz":
            return httpx.Response(200, text="ok")
        if request.url.path == "/access/login":
            body = json.loads(request.content)
            if body["password"] != "right password":  # pragma: allowlist secret
                return httpx.Response(401, json={"title": "Unauthenticated", "status": 401, "detail": "wrong"})
            return httpx.Response(200, json=self.tokens())
        if request.url.path == "/access/refresh":
            self.refreshes += 1
            return httpx.Response(200, json=self.tokens())
        handler = self.routes.get((request.method, request.url.path))
        if handler is None:
            return httpx.Response(404, json={"title": "Not found", "status": 404, "detail": "no such thing"})
        return handler(request)


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def portal(gateway: FakeGateway) -> Iterator[TestClient]:
    app = build_app(Settings(), transport=httpx.MockTransport(gateway.handle))
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(portal: TestClient, password: str = "right password") -> httpx.Response:  # pragma: allowlist secret
    token = csrf_of(portal.get("/signin").text)
    return portal.post("/signin", data={"csrf_token": token, "email": "f@site.example.org", "password": password},
                       follow_redirects=False)
