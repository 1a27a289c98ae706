"""Access tokens: the same claims for machine clients and users, signed with the active key."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from access_control.service_layer.ports import SigningKeys
from shared_audits.contracts.enums import OrganisationKind


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    refresh_token: str | None = None
    refresh_expires_in: int | None = None


@dataclass
class TokenIssuer:
    keys: SigningKeys
    issuer: str
    audience: str
    ttl_seconds: int
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def issue(
        self,
        *,
        subject: str,
        subject_type: str,
        organisation_id: str,
        organisation_kind: OrganisationKind,
        roles: Iterable[str],
        factory_id: str | None = None,
        scopes: Iterable[str] = (),
    ) -> IssuedToken:
        now = self.clock()
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "sub_type": subject_type,
            "org": organisation_id,
            "org_kind": OrganisationKind(organisation_kind).value,
            "roles": sorted(str(role) for role in roles),
            "iat": now,
            "nbf": now,
            "exp": now + timedelta(seconds=self.ttl_seconds),
            "jti": uuid.uuid4().hex,
        }
        if factory_id:
            claims["factory_id"] = factory_id
        scope = " ".join(sorted(str(s) for s in scopes))
        if scope:
            claims["scope"] = scope
        signer = await self.keys.signer(now)
        return IssuedToken(signer.sign(claims), self.ttl_seconds)
