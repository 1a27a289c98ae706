"""POSTs signed webhook requests with httpx, connecting only to addresses the target check let through."""

from __future__ import annotations

import asyncio
import typing

import httpcore
import httpx

from notifier.adapters.webhook_targets import WebhookTargetRefused, WebhookTargets


class WebhookRequestError(Exception):
    """The receiver did not answer 2xx (or did not answer at all, or its address was refused)."""


class CheckedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Opens each connection to an address from the very resolution that was checked.

    httpcore hands the URL's host name here instead of resolving it itself; we
    resolve it once, refuse it when any answer is not public, and connect to one
    of those same answers. A DNS answer that changes between the check and the
    connection (DNS rebinding) therefore cannot reach an unchecked address: there
    is no second lookup. TLS still runs against the host name (httpcore passes it
    as SNI and verifies the certificate for it), and the Host header is the URL's.
    A kept-alive connection (at most the pool's keep-alive expiry, 5 s) was checked
    when it was opened, so every request goes over a checked connection.
    """

    def __init__(self, targets: WebhookTargets, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._targets = targets
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await asyncio.wait_for(self._targets.addresses(host, port), timeout)
        except TimeoutError as error:
            raise httpcore.ConnectTimeout(f"resolving {host} took too long") from error
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(str(address), port, timeout=timeout,
                                                     local_address=local_address, socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last_error = error
        assert last_error is not None  # addresses() never answers an empty list
        raise last_error

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are sent over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _CheckedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, targets: WebhookTargets, network_backend: httpcore.AsyncNetworkBackend | None) -> None:
        super().__init__(trust_env=False)
        # httpx has no public way to choose httpcore's network backend: replace the pool it built
        # with the same one plus ours (httpx and httpcore are pinned in constraints.txt).
        limits = httpx.Limits()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedNetworkBackend(targets, network_backend),
        )


class HttpWebhookSender:
    def __init__(self, targets: WebhookTargets, timeout: float = 5.0,
                 network_backend: httpcore.AsyncNetworkBackend | None = None) -> None:
        # Redirects are not followed: a signed request goes only where the member registered it.
        # No proxy from the environment either: the address check must see the real destination.
        self._http = httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False,
                                       transport=_CheckedTransport(targets, network_backend))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        try:
            response = await self._http.post(url, content=body, headers=headers)
        except WebhookTargetRefused as refused:
            raise WebhookRequestError(f"refused: {refused}") from refused
        except httpx.HTTPError as error:
            raise WebhookRequestError(f"{type(error).__name__}: {error}") from error
        if not 200 <= response.status_code < 300:
            raise WebhookRequestError(f"answered {response.status_code}")
