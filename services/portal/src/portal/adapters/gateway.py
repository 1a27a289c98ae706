"""The services, through the gateway, with the signed-in user's token: load and send, nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class ServiceProblem(Exception):
    """A service answered with an error: its problem body, kept for the page to show."""

    status: int
    title: str
    detail: str = ""
    errors: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"

    @property
    def field_errors(self) -> dict[str, str]:
        """Field name (last part of the location) -> message, for errors shown in place."""
        return {str(e.get("field", "")).split(".")[-1]: str(e.get("message", "")) for e in self.errors}


class TokenRejected(Exception):
    """The token is no longer accepted (expired, revoked, or the user was disabled)."""


class Gateway:
    """One HTTP client for the whole process; each call carries the caller's token."""

    def __init__(self, base_url: str, timeout: float, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport,
                                       limits=httpx.Limits(max_keepalive_connections=32))
        # Presigned addresses of the file store: their signature is the authorisation, so the
        # user's token never goes there.
        self._files = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._files.aclose()

    async def request(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", None) or {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = await self._http.request(method, path, headers=headers, **kwargs)
        if response.status_code == 401 and token:
            raise TokenRejected(path)
        if response.status_code >= 400:
            raise _problem(response)
        return response

    async def get(self, path: str, token: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return (await self.request("GET", path, token, params=clean)).json()

    async def post(self, path: str, token: str | None, body: dict | None = None, **kwargs: Any) -> Any:
        response = await self.request("POST", path, token, json=body, **kwargs)
        return response.json() if response.content else None

    async def put(self, path: str, token: str, body: dict) -> Any:
        response = await self.request("PUT", path, token, json=body)
        return response.json() if response.content else None

    async def delete(self, path: str, token: str) -> Any:
        response = await self.request("DELETE", path, token)
        return response.json() if response.content else None

    async def stream(self, path: str, token: str) -> httpx.Response:
        """A download, streamed: the caller closes the response."""
        request = self._http.build_request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = await self._http.send(request, stream=True)
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            if response.status_code == 401:
                raise TokenRejected(path)
            raise _problem(response)
        return response

    async def stream_presigned(self, url: str) -> httpx.Response:
        """A file from a presigned address, streamed, without any token: the caller closes it."""
        if not url.startswith(("https://", "http://")):
            raise ServiceProblem(status=502, title="The evidence store gave no download address")
        response = await self._files.send(self._files.build_request("GET", url), stream=True)
        if response.status_code >= 400:
            await response.aclose()
            # An expired or refused link: the file is gone or the store is unwell, never the user's fault.
            raise ServiceProblem(status=404 if response.status_code == 404 else 502,
                                 title="The file could not be read")
        return response

    async def ready(self) -> bool:
        try:
            return (await self._http.get("/healthz", timeout=2.0)).status_code == 200
        except httpx.HTTPError:
            return False


def _problem(response: httpx.Response) -> ServiceProblem:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    known = {"type", "title", "status", "detail", "errors"}
    return ServiceProblem(
        status=response.status_code,
        title=str(body.get("title") or response.reason_phrase or "Error"),
        detail=str(body.get("detail") or ""),
        errors=list(body.get("errors") or []),
        extra={k: v for k, v in body.items() if k not in known},
    )
