"""Use cases of the signing keys: rotation by the operator, and the JWKS every service reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from access_control.domain.signing_keys import KeyLifecycle
from access_control.service_layer.permissions import require_operator
from access_control.service_layer.ports import SigningKeys
from shared_audits.auth import Principal


@dataclass
class KeyRotation:
    keys: SigningKeys
    # Longer than the verifiers' pause between JWKS fetches, so all know a key before it signs.
    activation_delay: timedelta
    # The longest an access token lives, plus clock leeway: how long a superseded key stays published.
    token_lifetime: timedelta
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def ensure_key(self) -> None:
        await self.keys.ensure_key(self.clock())

    async def rotate(self, caller: Principal) -> KeyLifecycle:
        require_operator(caller, "rotates the signing key")
        return await self.keys.rotate(self.clock(), self.activation_delay, self.token_lifetime)

    async def key_lifecycles(self, caller: Principal) -> list[KeyLifecycle]:
        require_operator(caller, "lists signing keys")
        return sorted(await self.keys.lifecycles(), key=lambda key: key.activates_at)

    async def jwks(self) -> dict:
        return await self.keys.jwks(self.clock())
