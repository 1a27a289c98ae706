"""Local verification of access tokens against access-control's JWKS.

Services never call access-control on a request's path: keys are fetched once,
cached, and fetched again only when a token names a key id not seen yet
(rotation), at most every ``refresh_interval`` seconds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx
import jwt

from shared_audits.contracts.enums import OrganisationKind
from shared_audits.errors import UnauthenticatedError

ALGORITHMS = ["EdDSA"]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user or machine client of one organisation."""

    subject: str
    organisation_id: str
    organisation_kind: OrganisationKind
    roles: frozenset[str] = field(default_factory=frozenset)
    factory_id: str | None = None
    # OAuth scopes of a machine client (``scope`` claim); empty for users and primary clients.
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_operator(self) -> bool:
        return self.organisation_kind is OrganisationKind.OPERATOR

    @property
    def is_member(self) -> bool:
        return self.organisation_kind is OrganisationKind.MEMBER

    @property
    def is_factory(self) -> bool:
        return self.organisation_kind is OrganisationKind.FACTORY

    @property
    def is_audit_company(self) -> bool:
        return self.organisation_kind is OrganisationKind.AUDIT_COMPANY


def principal_from_claims(claims: dict) -> Principal:
    try:
        return Principal(
            subject=str(claims["sub"]),
            organisation_id=str(claims["org"]),
            organisation_kind=OrganisationKind(claims["org_kind"]),
            roles=frozenset(claims.get("roles") or []),
            factory_id=claims.get("factory_id"),
            scopes=frozenset(str(claims.get("scope") or "").split()),
        )
    except (KeyError, ValueError) as error:
        raise UnauthenticatedError("token lacks the platform's claims") from error


class TokenVerifier:
    def __init__(
        self,
        jwks_url: str,
        issuer: str,
        audience: str,
        http: httpx.AsyncClient | None = None,
        refresh_interval: float = 10.0,
    ) -> None:
        self._jwks_url = jwks_url
        self._issuer = issuer
        self._audience = audience
        self._http = http or httpx.AsyncClient(timeout=5.0)
        self._refresh_interval = refresh_interval
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _key_for(self, kid: str) -> jwt.PyJWK:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at >= self._refresh_interval:
                await self._refresh()
        if kid not in self._keys:
            raise UnauthenticatedError("token signed with an unknown key")
        return self._keys[kid]

    async def _refresh(self) -> None:
        try:
            response = await self._http.get(self._jwks_url)
            response.raise_for_status()
            keys = response.json()["keys"]
        except (httpx.HTTPError, KeyError, ValueError) as error:
            raise UnauthenticatedError("signing keys are not available right now") from error
        self._keys = {key["kid"]: jwt.PyJWK(key) for key in keys if "kid" in key}
        self._fetched_at = time.monotonic()

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise UnauthenticatedError("malformed token") from error
        if header.get("alg") not in ALGORITHMS or not header.get("kid"):
            raise UnauthenticatedError("token algorithm or key id not accepted")
        key = await self._key_for(header["kid"])
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise UnauthenticatedError(f"token rejected: {error}") from error
        return principal_from_claims(claims)
