"""Users of an organisation: invited by e-mail, activated by setting a password."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from access_control.domain.errors import InvitationInvalid
from access_control.domain.model import Organisation
from shared_audits.aggregate import Aggregate
from shared_audits.contracts.enums import OrganisationKind, UserRole
from shared_audits.contracts.events import UserInvited
from shared_audits.errors import InvalidRequestError, UnauthenticatedError

# Which roles a user may hold in each kind of organisation.
ROLES_BY_KIND: dict[OrganisationKind, frozenset[UserRole]] = {
    OrganisationKind.OPERATOR: frozenset({UserRole.OPERATOR, UserRole.ADMIN}),
    OrganisationKind.MEMBER: frozenset({UserRole.ADMIN, UserRole.USER}),
    OrganisationKind.FACTORY: frozenset({UserRole.ADMIN, UserRole.USER}),
    OrganisationKind.AUDIT_COMPANY: frozenset({UserRole.ADMIN, UserRole.USER, UserRole.AUDITOR}),
}


class UserStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    DISABLED = "disabled"


class User(Aggregate):
    organisation_id: str
    organisation_kind: OrganisationKind
    factory_id: str | None = None
    email: str
    roles: list[UserRole]
    status: UserStatus
    password_hash: str | None = None
    invitation_token_hash: str | None = None
    invitation_expires_at: datetime | None = None
    invited_by: str
    invited_at: datetime
    activated_at: datetime | None = None
    disabled_at: datetime | None = None

    @classmethod
    def invite(
        cls,
        user_id: str,
        organisation: Organisation,
        email: str,
        roles: list[UserRole],
        invited_by: str,
        acceptance_token: str,
        acceptance_token_hash: str,
        expires_at: datetime,
        now: datetime,
    ) -> User:
        allowed = ROLES_BY_KIND[OrganisationKind(organisation.kind)]
        refused = sorted(role.value for role in roles if role not in allowed)
        if not roles or refused:
            raise InvalidRequestError(
                f"roles {refused or '[]'} are not allowed in a {organisation.kind.value} organisation "
                f"(allowed: {', '.join(sorted(r.value for r in allowed))})"
            )
        user = cls(
            id=user_id,
            organisation_id=organisation.id,
            organisation_kind=organisation.kind,
            factory_id=organisation.factory_id,
            email=email,
            roles=sorted(set(roles)),
            status=UserStatus.INVITED,
            invitation_token_hash=acceptance_token_hash,
            invitation_expires_at=expires_at,
            invited_by=invited_by,
            invited_at=now,
        )
        user.record(
            UserInvited(
                user_id=user_id,
                organisation_id=organisation.id,
                organisation_name=organisation.name,
                email=email,
                roles=user.roles,
                invited_by=invited_by,
                acceptance_token=acceptance_token,
                expires_at=expires_at,
            )
        )
        return user

    def accept(self, password_hash: str, now: datetime) -> None:
        """Set the first password; the invitation can be used once, before it expires."""
        if (
            self.status != UserStatus.INVITED
            or self.invitation_expires_at is None
            or now >= self.invitation_expires_at
        ):
            raise InvitationInvalid("the invitation is unknown, used or expired")
        self.status = UserStatus.ACTIVE
        self.password_hash = password_hash
        self.invitation_token_hash = None
        self.invitation_expires_at = None
        self.activated_at = now

    def ensure_may_sign_in(self) -> None:
        if self.status != UserStatus.ACTIVE:
            raise UnauthenticatedError("unknown user or wrong password")

    def disable(self, now: datetime) -> None:
        if self.status == UserStatus.DISABLED:
            return
        self.status = UserStatus.DISABLED
        self.invitation_token_hash = None
        self.disabled_at = now
