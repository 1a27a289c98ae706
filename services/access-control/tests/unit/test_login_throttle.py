"""Repeated failed logins slow down; a success clears the count."""

import pytest

from access_control.adapters.login_rules import load_login_throttle_rules
from access_control.domain.errors import TooManyLoginAttemptsError
from access_control.domain.login_throttle import LoginThrottle, LoginThrottleRules
from access_control.service_layer.handlers import AccessControl
from access_control.service_layer.login_throttle import ThrottledLogin
from shared_audits.contracts.enums import OrganisationKind
from shared_audits.errors import UnauthenticatedError
from shared_audits.testing import operator

RULES = LoginThrottleRules(version="test", free_failures=3, base_delay_seconds=1, max_delay_seconds=8,
                           window_seconds=900, max_tracked_clients=2)


class PlainHasher:
    """Stands in for argon2 so the tests stay fast."""

    @staticmethod
    def new_secret() -> str:
        return "right"

    def hash(self, secret: str) -> str:
        return f"hashed:{secret}"

    def verify(self, secret_hash: str, secret: str) -> bool:
        return secret_hash == f"hashed:{secret}"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic() -> Clock:
    return Clock()


@pytest.fixture
def login(access: AccessControl, monotonic: Clock) -> ThrottledLogin:
    """access-control's handlers (from conftest) behind the throttle, on a clock the test moves."""
    return ThrottledLogin(access, LoginThrottle(RULES), monotonic=monotonic)


async def _fail(login: ThrottledLogin, client_id: str) -> None:
    with pytest.raises(UnauthenticatedError):
        await login.issue_token(client_id, "wrong")


def test_the_shipped_rules_load_with_their_version() -> None:
    assert load_login_throttle_rules().version == "login-throttle-2026.1"


async def test_after_the_free_failures_each_attempt_waits_twice_as_long(login: ThrottledLogin, monotonic: Clock) -> None:
    for _ in range(3):
        await _fail(login, "someone")
    with pytest.raises(TooManyLoginAttemptsError) as refused:
        await login.issue_token("someone", "wrong")
    assert refused.value.retry_after == pytest.approx(1)
    monotonic.now = 1.0
    await _fail(login, "someone")
    with pytest.raises(TooManyLoginAttemptsError) as refused:
        await login.issue_token("someone", "wrong")
    assert refused.value.retry_after == pytest.approx(2)


async def test_the_right_secret_also_waits_then_clears_the_count(login: ThrottledLogin, monotonic: Clock) -> None:
    registered = await login.access_control.register_organisation(operator(), "Brand", OrganisationKind.MEMBER, None)
    client_id = registered.organisation.client_id
    for _ in range(3):
        await _fail(login, client_id)
    with pytest.raises(TooManyLoginAttemptsError):
        await login.issue_token(client_id, registered.client_secret)
    monotonic.now = 1.0
    assert (await login.issue_token(client_id, registered.client_secret)).access_token
    await _fail(login, client_id)  # counting starts again from zero
    assert (await login.issue_token(client_id, registered.client_secret)).access_token


async def test_the_delay_is_capped_and_memory_is_bounded(login: ThrottledLogin, monotonic: Clock) -> None:
    throttle = login.throttle
    for _ in range(20):
        throttle.failed("flood", monotonic.now)
    with pytest.raises(TooManyLoginAttemptsError) as refused:
        throttle.check("flood", monotonic.now)
    assert refused.value.retry_after == pytest.approx(8)
    for client_id in ("a", "b", "c"):
        throttle.failed(client_id, monotonic.now)
    throttle.check("flood", monotonic.now)  # the oldest entry was dropped: at most two are tracked
