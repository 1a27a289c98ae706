"""Raw calls to access-control through the gateway, for the tests that check its answers closely."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from shared_audits_client import eventually
from shared_audits_client.feed import wait_for_topic_record
from tests.integration.stack import Stack

ACCESS_TOPIC = "ics.access.v1"
PASSWORD = "a long enough passphrase"  # pragma: allowlist secret


class Gateway:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.http = httpx.Client(base_url=stack.gateway_url, timeout=15.0)

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.request(method, path, headers=headers, **kwargs)

    def ok(self, method: str, path: str, token: str | None = None, status: int = 200, **kwargs: Any) -> Any:
        response = self.call(method, path, token, **kwargs)
        assert response.status_code == status, f"{method} {path} -> {response.status_code}: {response.text}"
        return response.json() if response.content else None

    def client_token(self, client_id: str, client_secret: str) -> str:
        data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        return self.ok("POST", "/access/token", data=data)["access_token"]

    def operator_token(self) -> str:
        return self.client_token(self.stack.operator_client_id, self.stack.operator_client_secret)

    def register(self, operator_token: str, kind: str, name: str | None = None) -> dict:
        body = {"name": name or f"{kind} {uuid.uuid4().hex[:6]}", "kind": kind}
        return self.ok("POST", "/access/organisations", operator_token, status=201, json=body)

    def invite(self, admin_token: str, email: str, roles: list[str]) -> dict:
        body = {"email": email, "roles": roles}
        return self.ok("POST", "/access/users/invitations", admin_token, status=201, json=body)

    def acceptance_token(self, user_id: str) -> str:
        """Read the invitation from access-control's topic, as the notifier will to send the e-mail."""
        record = wait_for_topic_record(
            self.stack.kafka_bootstrap, ACCESS_TOPIC,
            lambda envelope: envelope["type"] == "UserInvited" and envelope["payload"]["user_id"] == user_id,
        )
        assert record is not None, "UserInvited never reached ics.access.v1"
        return record.envelope["payload"]["acceptance_token"]

    def active_user(self, admin_token: str, roles: list[str]) -> tuple[dict, str]:
        """Invite, accept, and return the user and its e-mail address."""
        email = f"user-{uuid.uuid4().hex[:8]}@brand.example.org"
        user = self.invite(admin_token, email, roles)
        token = self.acceptance_token(user["user_id"])
        self.ok("POST", "/access/users/invitations/accept", json={"token": token, "password": PASSWORD})
        return user, email

    def login(self, email: str, password: str = PASSWORD) -> dict:
        return self.ok("POST", "/access/login", json={"email": email, "password": password})

    def wait_until_accepted(self, path: str, token: str) -> None:
        eventually(lambda: self.ok("GET", path, token))
