"""Calls to the platform's HTTP API through the gateway, one method per operation."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
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
    accreditation: dict | None = None  # audit companies only


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

    def __init__(self, gateway_url: str, token: str | None = None, timeout: float = 15.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.gateway_url = gateway_url.rstrip("/")
        self._http = httpx.Client(base_url=self.gateway_url, timeout=timeout, transport=transport)
        self._transport = transport
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
        return self._request(method, path, **kwargs).json()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise ApiError(response)
        return response

    def _every_page(self, path: str, **params: str | int) -> list[dict]:
        """Every entry of a paged list, following ``X-Next-Cursor`` (the ``Link: rel="next"`` cursor) to the last page."""
        entries: list[dict] = []
        while True:
            response = self._request("GET", path, params=params)
            entries.extend(response.json())
            next_cursor = response.headers.get("X-Next-Cursor")
            if not next_cursor:
                return entries
            params["cursor"] = next_cursor

    # access-control
    def token(self, client_id: str, client_secret: str) -> str:
        data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        return self._call("POST", "/access/token", data=data)["access_token"]

    def register_organisation(self, name: str, kind: str, factory_id: str | None = None) -> Organisation:
        body = {"name": name, "kind": kind, **({"factory_id": factory_id} if factory_id else {})}
        return Organisation(**self._call("POST", "/access/organisations", json=body))

    def link_factory(self, factory_id: str, relationship: str = "supplier") -> dict:
        """A member asks to link to a site: the request (``status`` "requested", ``request_id``).

        The link opens only when the factory (or the operator for it) accepts: see
        ``story.link_with_consent``. Asking again while the request is pending returns it.
        """
        return self._call("POST", "/access/links", json={"factory_id": factory_id, "relationship": relationship})

    def unlink_factory(self, factory_id: str) -> dict:
        """A member ends its link to a site, or withdraws its pending request."""
        return self._call("DELETE", f"/access/links/{factory_id}")

    def link_requests(self, factory_id: str | None = None) -> list[dict]:
        """A factory: the pending link requests to its site, with each member's name (the operator: all)."""
        return self._call("GET", "/access/link-requests", params={"factory_id": factory_id} if factory_id else None)

    def accept_link_request(self, request_id: str, message: str | None = None, reason: str | None = None) -> dict:
        """A factory accepts a link request; the operator may, for the factory, with a ``reason``."""
        return self._call("POST", f"/access/link-requests/{request_id}/accept",
                          json={"message": message, "reason": reason})

    def decline_link_request(self, request_id: str, message: str | None = None, reason: str | None = None) -> dict:
        """A factory declines a link request (``message`` reaches the member); the operator with a ``reason``."""
        return self._call("POST", f"/access/link-requests/{request_id}/decline",
                          json={"message": message, "reason": reason})

    def factory_links(self) -> list[dict]:
        """A factory: the members linked to its site, by name."""
        return self._call("GET", "/access/factory-links")

    def end_factory_link(self, member_id: str) -> dict:
        """A factory ends a member's link to its site."""
        return self._call("DELETE", f"/access/factory-links/{member_id}")

    def invite_user(self, organisation_id: str, email: str, roles: list[str]) -> dict:
        """Invite a person; access-control publishes UserInvited with the one-time acceptance token."""
        body = {"organisation_id": organisation_id, "email": email, "roles": roles}
        return self._call("POST", "/access/users/invitations", json=body)

    def accept_invitation(self, token: str, password: str) -> dict:
        """Set the first password with the invitation's token (no caller token needed)."""
        return self._call("POST", "/access/users/invitations/accept", json={"token": token, "password": password})

    def user_login(self, email: str, password: str) -> dict:
        """A person's sign-in: access and refresh tokens."""
        return self._call("POST", "/access/login", json={"email": email, "password": password})

    def my_organisation(self) -> dict:
        return self._call("GET", "/access/organisations/me")

    def links(self) -> list[dict]:
        """The caller's own member-factory links (active), then its pending requests (``status``)."""
        return self._call("GET", "/access/links")

    def link_history(self, factory_id: str) -> dict:
        """Every step of the caller's own link to one site: requests, answers, ends (404 if it never asked)."""
        return self._call("GET", f"/access/links/{factory_id}/history")

    def openapi(self, prefix: str) -> dict:
        """A service's OpenAPI document through the gateway (``prefix`` such as ``/access``)."""
        return self._call("GET", f"{prefix}/openapi.json")

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Any other operation (for tools that follow the OpenAPI documents)."""
        return self._call(method, path, **kwargs)

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The raw response, for callers that look at statuses and headers (redirects, problems)."""
        return self._http.request(method, path, **kwargs)

    def current_code_of_conduct(self) -> dict:
        return self._call("GET", "/access/code-of-conduct/current")

    def publish_code_of_conduct(self, version: str, title: str, text: str) -> dict:
        body = {"version": version, "title": title, "text": text}
        return self._call("POST", "/access/code-of-conduct/versions", json=body)

    def sign_code_of_conduct(self, code_version: str) -> dict:
        return self._call("POST", "/access/code-of-conduct/signatures", json={"code_version": code_version})

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
        return self._every_page("/registry/factories")

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
        return self._every_page(f"/registry/factories/{factory_id}/profiles")

    def supply_chain(self, factory_id: str, direction: str) -> dict:
        """``direction`` is ``upstream`` (its subcontractors) or ``downstream`` (whom it works for)."""
        return self._call("GET", f"/registry/factories/{factory_id}/supply-chain/{direction}")

    # audit-service
    def mandate_audit(self, factory_id: str, audit_company_id: str, **options: str) -> dict:
        body = {"factory_id": factory_id, "audit_company_id": audit_company_id, **options}
        return self._call("POST", "/audits/audits", json=body)

    def answer_mandate(self, audit_id: str, decision: str = "accept", reason: str | None = None) -> dict:
        """The audit company accepts or declines a mandate."""
        body = {"decision": decision, "reason": reason}
        return self._call("POST", f"/audits/audits/{audit_id}/decision", json=body)

    def submit_report(self, audit_id: str, report: dict) -> dict:
        """Answers, findings, sample and audit days; the platform computes the rating."""
        return self._call("POST", f"/audits/audits/{audit_id}/report", json=report)

    def audit(self, audit_id: str) -> dict:
        return self._call("GET", f"/audits/audits/{audit_id}")

    def audits_of_factory(self, factory_id: str) -> list[dict]:
        return self._every_page("/audits/audits", factory_id=factory_id)

    def questionnaire(self) -> dict:
        return self._call("GET", "/audits/questionnaire")

    def sample_size(self, workforce: int, audit_type: str = "initial") -> dict:
        return self._call("GET", "/audits/sampling", params={"workforce": workforce, "audit_type": audit_type})

    def risk_by_country(self) -> dict:
        return self._call("GET", "/audits/risk/countries")

    def risk_of_supply_chain(self) -> dict:
        return self._call("GET", "/audits/risk/supply-chain")

    # cap-service
    def caps_of_factory(self, factory_id: str, page_size: int = 100) -> list[dict]:
        """Every CAP of the factory, following the pages to the last."""
        return self._every_page("/caps/caps", factory_id=factory_id, limit=page_size)

    def cap(self, cap_id: str) -> dict:
        return self._call("GET", f"/caps/caps/{cap_id}")

    def cap_record(self, cap_id: str) -> dict:
        """The CAP's tamper-evident record with its proofs, for ``shared-audits verify``."""
        return self._call("GET", f"/caps/caps/{cap_id}/record")

    def decide(
        self, cap_id: str, item_id: str, decision: str, comment: str | None = None, traceparent: str | None = None
    ) -> dict:
        """Accept or reject an item's evidence; ``traceparent`` joins the caller's own trace."""
        body = {"decision": decision, "comment": comment}
        headers = {"traceparent": traceparent} if traceparent else None
        return self._call("POST", f"/caps/caps/{cap_id}/items/{item_id}/decisions", json=body, headers=headers)

    def run_overdue_check(self, as_of: str) -> dict:
        """Operator, development only: run the scheduled overdue check as of a day (ISO date)."""
        return self._call("POST", "/caps/overdue-scans", json={"as_of": as_of})

    # evidence-store
    def upload_evidence(self, cap_id: str, item_id: str, filename: str, content: bytes, content_type: str) -> dict:
        files = {"file": (filename, content, content_type)}
        return self._call("POST", f"/evidence/caps/{cap_id}/items/{item_id}/files", files=files)

    def evidence_files(self, cap_id: str, item_id: str) -> list[dict]:
        return self._call("GET", f"/evidence/caps/{cap_id}/items/{item_id}/files")

    def evidence_download(self, evidence_id: str) -> dict:
        return self._call("GET", f"/evidence/files/{evidence_id}/download")

    def evidence_versions(self, cap_id: str, item_id: str) -> list[dict]:
        """Every evidence version of a CAP item, oldest first (rejected ones stay)."""
        return self._call("GET", f"/evidence/caps/{cap_id}/items/{item_id}/files")

    def request_upload(
        self, cap_id: str, item_id: str, filename: str, content_type: str, size_bytes: int, sha256: str
    ) -> dict:
        """A presigned PUT URL for a new evidence object; PUT the bytes there, then ``complete_upload``."""
        body = {"filename": filename, "content_type": content_type, "size_bytes": size_bytes, "sha256": sha256}
        return self._call("POST", f"/evidence/caps/{cap_id}/items/{item_id}/uploads", json=body)

    def complete_upload(self, upload_id: str) -> dict:
        return self._call("POST", f"/evidence/uploads/{upload_id}/complete")

    def stream_presigned(self, url: str, chunk_size: int = 65536) -> Iterator[bytes]:
        """A file from a presigned address of the S3 store, in chunks (no platform token: the URL is signed)."""
        with httpx.Client(timeout=60.0, trust_env=False, transport=self._transport) as store:
            with store.stream("GET", url) as response:
                if response.status_code >= 400:
                    response.read()
                    raise ApiError(response)
                yield from response.iter_bytes(chunk_size)

    @staticmethod
    def put_to_presigned_url(url: str, content: bytes) -> int:
        """PUT bytes straight to the S3 store (no platform token: the URL carries the signature)."""
        with httpx.Client(timeout=30.0, trust_env=False) as s3:
            return s3.put(url, content=content).status_code

    # notifier
    def inbox(self, limit: int = 100) -> list[dict]:
        return self._call("GET", "/notifier/inbox", params={"limit": limit})

    def register_webhook(self, url: str, secret: str) -> dict:
        return self._call("POST", "/notifier/webhooks", json={"url": url, "secret": secret})

    def webhooks(self) -> list[dict]:
        return self._call("GET", "/notifier/webhooks")

    def register_recipient(self, email: str, preference: str = "immediate") -> dict:
        return self._call("PUT", "/notifier/recipients", json={"email": email, "preference": preference})

    def deliveries(self, limit: int = 100) -> list[dict]:
        return self._call("GET", "/notifier/deliveries", params={"limit": limit})
