"""POSTs signed webhook requests with httpx."""

from __future__ import annotations

import httpx


class WebhookRequestError(Exception):
    """The receiver did not answer 2xx (or did not answer at all)."""


class HttpWebhookSender:
    def __init__(self, timeout: float = 5.0) -> None:
        # Redirects are not followed: a signed request goes only where the member registered it.
        self._http = httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        try:
            response = await self._http.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise WebhookRequestError(f"{type(error).__name__}: {error}") from error
        if not 200 <= response.status_code < 300:
            raise WebhookRequestError(f"answered {response.status_code}")
