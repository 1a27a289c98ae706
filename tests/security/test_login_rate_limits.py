"""Login is rate limited at the gateway, and repeated failed logins of one client slow down."""

import asyncio
import uuid

import httpx
import pytest

from shared_audits_client.api import PlatformClient, eventually
from tests.integration.stack import Stack

# serial: bursts of logins trip the gateway's per-address limit for every test (runs after the parallel part of make test).
pytestmark = [pytest.mark.integration, pytest.mark.security, pytest.mark.serial]


def _login(gateway_url: str, client_id: str, secret: str) -> httpx.Response:
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return httpx.post(f"{gateway_url}/access/token", data=data, timeout=15)


async def _burst(gateway_url: str, attempts: int) -> list[httpx.Response]:
    """``attempts`` guessed logins sent at the same moment, as a credential-stuffing script does."""
    limits = httpx.Limits(max_connections=attempts)
    async with httpx.AsyncClient(base_url=gateway_url, limits=limits, timeout=60) as client:
        guesses = [{"grant_type": "client_credentials", "client_id": f"guess-{uuid.uuid4().hex}", "client_secret": "x"}
                   for _ in range(attempts)]
        return await asyncio.gather(*(client.post("/access/token", data=guess) for guess in guesses))


def test_a_burst_of_logins_from_one_address_is_cut_off_by_the_gateway(stack: Stack) -> None:
    responses = asyncio.run(_burst(stack.gateway_url, 60))
    statuses = [r.status_code for r in responses]
    assert statuses.count(429) >= 30, statuses  # the gateway lets a burst of 10 through
    assert set(statuses) <= {401, 429}, statuses  # never a 5xx
    limited = next(r for r in responses if r.status_code == 429 and r.json()["title"] == "Too many requests")
    assert limited.headers["content-type"].startswith("application/problem+json")
    # The budget refills: a moment later a real login passes again.
    eventually(lambda: PlatformClient.login(stack.gateway_url, stack.operator_client_id,
                                            stack.operator_client_secret).close(), timeout=10)


def test_repeated_failed_logins_of_one_client_slow_down(stack: Stack) -> None:
    operator = PlatformClient.login(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret)
    member = operator.register_organisation(f"Brand {uuid.uuid4().hex[:6]}", "member")
    operator.close()

    failures = [_login(stack.gateway_url, member.client_id, "wrong").status_code for _ in range(3)]
    assert failures == [401, 401, 401]
    # Now even the right secret has to wait ...
    early = _login(stack.gateway_url, member.client_id, member.client_secret)
    assert early.status_code == 429 and early.json()["title"] == "Too many login attempts", early.text

    # ... and after the delay it passes.
    def right_secret_passes() -> None:
        response = _login(stack.gateway_url, member.client_id, member.client_secret)
        assert response.status_code == 200, response.text

    eventually(right_secret_passes, timeout=10, interval=0.5)
