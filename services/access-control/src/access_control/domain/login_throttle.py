"""Failed logins slow down: after a few failures, each attempt for that client id must wait longer.

Pure state and rules (no I/O); the numbers come from a versioned rule file.
Kept per process: with several instances an attacker gets a few more free
failures per instance, which the gateway's per-address rate limit bounds.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from pydantic import BaseModel, Field

from access_control.domain.errors import TooManyLoginAttemptsError


class LoginThrottleRules(BaseModel):
    version: str
    description: str = ""
    free_failures: int = Field(ge=1)
    base_delay_seconds: float = Field(gt=0)
    max_delay_seconds: float = Field(gt=0)
    window_seconds: float = Field(gt=0)
    max_tracked_clients: int = Field(ge=1)


@dataclass
class _Failures:
    count: int
    first_at: float
    blocked_until: float


class LoginThrottle:
    """Counts failed logins per client id and says how long the next attempt must wait."""

    def __init__(self, rules: LoginThrottleRules) -> None:
        self.rules = rules
        self._failures: OrderedDict[str, _Failures] = OrderedDict()

    def check(self, client_id: str, now: float) -> None:
        """Refuse an attempt that comes before the client's current delay has passed."""
        failures = self._failures.get(client_id)
        if failures and now < failures.blocked_until:
            raise TooManyLoginAttemptsError(failures.blocked_until - now)

    def failed(self, client_id: str, now: float) -> None:
        failures = self._failures.get(client_id)
        if failures is None or now - failures.first_at > self.rules.window_seconds:
            failures = _Failures(count=0, first_at=now, blocked_until=now)
        failures.count += 1
        over = failures.count - self.rules.free_failures
        if over >= 0:
            delay = min(self.rules.base_delay_seconds * 2**over, self.rules.max_delay_seconds)
            failures.blocked_until = now + delay
        self._failures[client_id] = failures
        self._failures.move_to_end(client_id)
        while len(self._failures) > self.rules.max_tracked_clients:  # bounded memory under a flood of ids
            self._failures.popitem(last=False)

    def succeeded(self, client_id: str) -> None:
        self._failures.pop(client_id, None)
