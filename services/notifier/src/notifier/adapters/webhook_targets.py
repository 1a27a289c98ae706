"""Resolves a webhook's host and applies the domain's address rule to every answer."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from notifier.domain.targets import IpAddress, parse_address, why_not_public

# host, port -> the addresses DNS (or the literal) gives, as text; raises OSError when the name does not resolve.
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve_with_system(host: str, port: int) -> list[str]:
    """The system's resolver (getaddrinfo, in a worker thread so the event loop never waits on DNS)."""
    answers = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in answers))


class WebhookTargetRefused(Exception):
    """The host resolves to an address the platform does not send to (or does not resolve at all)."""


class WebhookTargets:
    """The one check of where webhooks may go, used at registration and by every connection a delivery opens.

    ``allow_internal`` (development only) lets loopback and private targets through,
    for the local stack's and the tests' receivers on 127.0.0.1.
    """

    def __init__(self, resolve: Resolver = resolve_with_system, *, allow_internal: bool = False) -> None:
        self._resolve = resolve
        self.allow_internal = allow_internal

    async def addresses(self, host: str, port: int) -> list[IpAddress]:
        """Every address ``host`` resolves to; refused when any one of them is not public.

        Any, not all: a name answering a public and a private address would otherwise
        reach the private one whenever a client picks it.
        """
        try:
            answers = [parse_address(answer) for answer in await self._resolve(host, port)]
        except (OSError, ValueError) as error:
            raise WebhookTargetRefused(f"{host} does not resolve ({error})") from error
        if not answers:
            raise WebhookTargetRefused(f"{host} does not resolve")
        if not self.allow_internal:
            for address in answers:
                reason = why_not_public(address)
                if reason is not None:
                    shown = host if host == str(address) else f"{host} resolves to {address}, which"
                    raise WebhookTargetRefused(f"{shown} is {reason}: webhooks go only to public internet addresses")
        return answers

    async def refusal(self, url: str) -> str | None:
        """Why a webhook URL is refused at registration, or None when its host is acceptable now."""
        if self.allow_internal:
            return None
        parts = urlsplit(url)
        if not parts.hostname:
            return "the URL names no host"
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            await self.addresses(parts.hostname, port)
        except WebhookTargetRefused as refused:
            return str(refused)
        return None
