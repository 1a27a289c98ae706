"""Calls to the platform's HTTP API through the gateway, one method per operation."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


class ApiError(Exception):
    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        try:
            self.problem = response.json()
        except ValueError:
            self.problem = {"detail": response.text}
        super().__init__(f"{response.request.method} {response.request.url.path} -> {self.status}: {self.problem}")


@dataclass(frozen=True)
class Organisation:
    organisation_id: str
    name: str
    kind: str
    client_id: str
    client_secret: str
    factory_id: str | None = None


def eventually(attempt: Callable[[], T], timeout: float = 30.0, interval: float = 0.2) -> T:
    """Retry ``attempt`` until it returns without raising; events take a moment to travel."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return attempt()
        except (AssertionError, ApiError):
            if time.monotonic() >= deadline:
                raise
            time.sleep(interval)


class PlatformClient:
    """One caller (an organisation's machine client) talking to the gateway."""

    def __init__(self, gateway_url: str, token: str | None = None, timeout: float = 15.0) -> None:
        self.gateway_url = gateway_url.rstrip("/")
        self._http = httpx.Client(base_url=self.gateway_url, timeout=timeout)
        if token:
            self._http.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self._http.close()

    @classmethod
    def login(cls, gateway_url: str, client_id: str, client_secret: str) -> PlatformClient:
        anonymous = cls(gateway_url)
        try:
            token = anonymous.token(client_id, client_secret)
        finally:
            anonymous.close()
        return cls(gateway_url, token)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise ApiError(response)
        return response.json()

    # access-control
    def token(self, client_id: str, client_secret: str) -> str:
        data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        return self._call("POST", "/access/token", data=data)["access_token"]

    def register_organisation(self, name: str, kind: str, factory_id: str | None = None) -> Organisation:
        body = {"name": name, "kind": kind, **({"factory_id": factory_id} if factory_id else {})}
        return Organisation(**self._call("POST", "/access/organisations", json=body))

    def link_factory(self, factory_id: str, relationship: str = "supplier") -> dict:
        return self._call("POST", "/access/links", json={"factory_id": factory_id, "relationship": relationship})

    def unlink_factory(self, factory_id: str) -> dict:
        return self._call("DELETE", f"/access/links/{factory_id}")

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The raw response, for callers that look at statuses and headers (redirects, problems)."""
        return self._http.request(method, path, **kwargs)

    # factory-registry
    def register_factory(
        self,
        name: str,
        country: str,
        city: str | None = None,
        address: str | None = None,
        confirm_new: bool = False,
        **details: Any,
    ) -> dict:
        """Register a site; a lookalike answers 409 with candidates unless ``confirm_new``."""
        body = {"name": name, "country": country, "city": city, "address": address, **details}
        if confirm_new:
            body["confirm_new"] = True
        return self._call("POST", "/registry/factories", json=body)

    def factory(self, factory_id: str) -> dict:
        return self._call("GET", f"/registry/factories/{factory_id}")

    def factories(self) -> list[dict]:
        return self._call("GET", "/registry/factories")

    def search_factories(self, **criteria: str) -> list[dict]:
        return self._call("GET", "/registry/search", params=criteria)

    def merge_factories(self, merged_factory_id: str, surviving_factory_id: str) -> dict:
        body = {"merged_factory_id": merged_factory_id, "surviving_factory_id": surviving_factory_id}
        return self._call("POST", "/registry/merges", json=body)

    def submit_profile(self, factory_id: str, profile: dict) -> dict:
        return self._call("POST", f"/registry/factories/{factory_id}/profiles", json=profile)

    def profile(self, factory_id: str, profile_version: int | None = None) -> dict:
        if profile_version is None:
            return self._call("GET", f"/registry/factories/{factory_id}/profile")
        return self._call("GET", f"/registry/factories/{factory_id}/profiles/{profile_version}")

    def profile_history(self, factory_id: str) -> list[dict]:
        return self._call("GET", f"/registry/factories/{factory_id}/profiles")

    def supply_chain(self, factory_id: str, direction: str) -> dict:
        """``direction`` is ``upstream`` (its subcontractors) or ``downstream`` (whom it works for)."""
        return self._call("GET", f"/registry/factories/{factory_id}/supply-chain/{direction}")

    # audit-service
    def mandate_audit(self, factory_id: str, audit_company_id: str, **options: str) -> dict:
        body = {"factory_id": factory_id, "audit_company_id": audit_company_id, **options}
        return self._call("POST", "/audits/audits", json=body)

    def submit_report(self, audit_id: str, compliance_percentage: float, findings: list[dict]) -> dict:
        body = {"compliance_percentage": compliance_percentage, "findings": findings}
        return self._call("POST", f"/audits/audits/{audit_id}/report", json=body)

    def audit(self, audit_id: str) -> dict:
        return self._call("GET", f"/audits/audits/{audit_id}")

    # cap-service
    def caps_of_factory(self, factory_id: str) -> list[dict]:
        return self._call("GET", "/caps/caps", params={"factory_id": factory_id})

    def cap(self, cap_id: str) -> dict:
        return self._call("GET", f"/caps/caps/{cap_id}")

    def decide(
        self, cap_id: str, item_id: str, decision: str, comment: str | None = None, traceparent: str | None = None
    ) -> dict:
        """Accept or reject an item's evidence; ``traceparent`` joins the caller's own trace."""
        body = {"decision": decision, "comment": comment}
        headers = {"traceparent": traceparent} if traceparent else None
        return self._call("POST", f"/caps/caps/{cap_id}/items/{item_id}/decisions", json=body, headers=headers)

    # evidence-store
    def upload_evidence(self, cap_id: str, item_id: str, filename: str, content: bytes, content_type: str) -> dict:
        files = {"file": (filename, content, content_type)}
        return self._call("POST", f"/evidence/caps/{cap_id}/items/{item_id}/files", files=files)

    def evidence_download(self, evidence_id: str) -> dict:
        return self._call("GET", f"/evidence/files/{evidence_id}/download")

    # notifier
    def inbox(self, limit: int = 100) -> list[dict]:
        return self._call("GET", "/notifier/inbox", params={"limit": limit})
