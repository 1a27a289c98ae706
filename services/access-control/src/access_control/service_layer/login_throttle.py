"""Token issuing behind the login throttle: failures are counted, early retries refused."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from access_control.domain.login_throttle import LoginThrottle
from access_control.service_layer.handlers import AccessControl, IssuedToken
from shared_audits.errors import UnauthenticatedError


@dataclass
class ThrottledLogin:
    access_control: AccessControl
    throttle: LoginThrottle
    monotonic: Callable[[], float] = field(default=time.monotonic)

    async def issue_token(self, client_id: str, client_secret: str) -> IssuedToken:
        self.throttle.check(client_id, self.monotonic())
        try:
            issued = await self.access_control.issue_token(client_id, client_secret)
        except UnauthenticatedError:
            self.throttle.failed(client_id, self.monotonic())
            raise
        self.throttle.succeeded(client_id)
        return issued
