"""Who is signed in, and when their tokens need renewing. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace

ROLE_HOME = {
    "factory": "/factory",
    "member": "/member",
    "audit_company": "/audit",
    "operator": "/operator",
}


@dataclass(frozen=True)
class SignedInUser:
    """What the pages need to know of the user, read from the access token's claims.

    The portal only chooses pages with it; every service checks the token itself."""

    subject: str
    email: str
    organisation_id: str
    organisation_kind: str
    roles: tuple[str, ...]
    factory_id: str | None = None

    @classmethod
    def from_claims(cls, claims: dict, email: str) -> SignedInUser:
        return cls(
            subject=str(claims["sub"]), email=email, organisation_id=str(claims["org"]),
            organisation_kind=str(claims["org_kind"]), roles=tuple(claims.get("roles") or ()),
            factory_id=claims.get("factory_id"),
        )

    @property
    def home(self) -> str:
        return ROLE_HOME.get(self.organisation_kind, "/")

    @property
    def is_factory(self) -> bool:
        return self.organisation_kind == "factory"

    @property
    def is_member(self) -> bool:
        return self.organisation_kind == "member"

    @property
    def is_audit_company(self) -> bool:
        return self.organisation_kind == "audit_company"

    @property
    def is_operator(self) -> bool:
        return self.organisation_kind == "operator"


@dataclass(frozen=True)
class Session:
    """The tokens of one signed-in browser, kept in an encrypted httpOnly cookie."""

    user: SignedInUser
    access_token: str
    refresh_token: str
    access_expires_at: float
    started_at: float

    def needs_refresh(self, now: float, margin: float) -> bool:
        return now >= self.access_expires_at - margin

    def has_outlived(self, now: float, max_age: float) -> bool:
        return now - self.started_at > max_age

    def renewed(self, access_token: str, refresh_token: str, access_expires_at: float) -> Session:
        return replace(self, access_token=access_token, refresh_token=refresh_token,
                       access_expires_at=access_expires_at)
