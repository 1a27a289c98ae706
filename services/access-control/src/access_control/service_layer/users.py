"""Use cases of users: invitation, acceptance, login, refresh with rotation, sign-out, disabling."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from access_control.domain.model import Organisation
from access_control.domain.errors import InvitationInvalid, RefreshTokenReused
from access_control.domain.sessions import REFUSED, RefreshSession, token_digest
from access_control.domain.users import User, UserStatus
from access_control.service_layer.paging import PAGE_LIMIT, page_of
from access_control.service_layer.permissions import may_administer
from access_control.service_layer.ports import Hasher, OrganisationStore, SessionStore, UserStore
from access_control.service_layer.tokens import IssuedToken, TokenIssuer
from shared_audits.auth import Principal
from shared_audits.contracts.enums import UserRole
from shared_audits.errors import ConflictError, NotFoundError, PermissionDeniedError, UnauthenticatedError

LOGIN_REFUSED = "unknown user or wrong password"


@dataclass
class UserAccounts:
    users: UserStore
    sessions: SessionStore
    organisations: OrganisationStore
    hasher: Hasher
    tokens: TokenIssuer
    invitation_ttl: timedelta
    refresh_ttl: timedelta
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def invite(
        self, caller: Principal, organisation_id: str | None, email: str, roles: list[UserRole]
    ) -> User:
        """An organisation's admin (or the operator) invites a user; the e-mail goes out from UserInvited."""
        organisation_id = organisation_id or caller.organisation_id
        if not may_administer(caller, organisation_id):
            if caller.organisation_id != organisation_id:
                raise NotFoundError("organisation not found")
            raise PermissionDeniedError("only an admin of the organisation invites users")
        organisation: Organisation | None = await self.organisations.get(organisation_id)
        if organisation is None:
            raise NotFoundError("organisation not found")
        email = email.lower()
        if await self.users.find(limit=1, email=email):
            raise ConflictError("a user with this e-mail address already exists")
        now = self.clock()
        acceptance_token = secrets.token_urlsafe(32)
        user = User.invite(
            user_id=str(uuid.uuid4()), organisation=organisation, email=email, roles=roles,
            invited_by=caller.subject, acceptance_token=acceptance_token,
            acceptance_token_hash=token_digest(acceptance_token), expires_at=now + self.invitation_ttl, now=now,
        )
        await self.users.add(user)
        return user

    async def accept_invitation(self, acceptance_token: str, password: str) -> User:
        found = await self.users.find(limit=1, invitation_token_hash=token_digest(acceptance_token))
        if not found:
            raise InvitationInvalid("the invitation is unknown, used or expired")
        user: User = found[0]
        user.accept(self.hasher.hash(password), self.clock())
        await self.users.save(user)
        return user

    async def login(self, email: str, password: str) -> IssuedToken:
        found = await self.users.find(limit=1, email=email.lower())
        if not found:
            self.hasher.verify_nothing(password)
            raise UnauthenticatedError(LOGIN_REFUSED)
        user: User = found[0]
        if user.password_hash is None:  # invited, not yet accepted: as slow as any other refusal
            self.hasher.verify_nothing(password)
            raise UnauthenticatedError(LOGIN_REFUSED)
        if not self.hasher.verify(user.password_hash, password):
            raise UnauthenticatedError(LOGIN_REFUSED)
        user.ensure_may_sign_in()
        now = self.clock()
        secret = secrets.token_urlsafe(32)
        session = RefreshSession(id=uuid.uuid4().hex, user_id=user.id, token_hash=token_digest(secret),
                                 issued_at=now, expires_at=now + self.refresh_ttl)
        await self.sessions.add(session)
        return await self._tokens_for(user, session, secret, now)

    async def refresh(self, refresh_token: str) -> IssuedToken:
        """Rotate: the presented token is spent, a new one is returned; a reused one revokes the session."""
        session_id, _, secret = refresh_token.partition(".")
        session: RefreshSession | None = await self.sessions.get(session_id) if session_id and secret else None
        if session is None:
            raise UnauthenticatedError(REFUSED)
        now = self.clock()
        new_secret = secrets.token_urlsafe(32)
        try:
            session.rotate(token_digest(secret), token_digest(new_secret), now)
        except RefreshTokenReused:
            await self.sessions.save(session)
            raise
        user: User | None = await self.users.get(session.user_id)
        if user is None or user.status != UserStatus.ACTIVE:
            raise UnauthenticatedError(REFUSED)
        # The save is version-checked: of two concurrent refreshes with one token, only one wins.
        await self.sessions.save(session)
        return await self._tokens_for(user, session, new_secret, now)

    async def logout(self, refresh_token: str) -> None:
        """Revoke the session a refresh token belongs to (its access tokens expire soon after)."""
        session_id, _, secret = refresh_token.partition(".")
        session: RefreshSession | None = await self.sessions.get(session_id) if session_id else None
        if session is None or session.token_hash != token_digest(secret):
            raise UnauthenticatedError(REFUSED)
        session.revoke("signed out", self.clock())
        await self.sessions.save(session)

    async def users_of(
        self, caller: Principal, organisation_id: str | None, limit: int = PAGE_LIMIT, after: str | None = None
    ) -> tuple[list[User], str | None]:
        """A page of an organisation's users in id order after ``after``, and the cursor of the next page."""
        organisation_id = organisation_id or caller.organisation_id
        if not may_administer(caller, organisation_id):
            if caller.organisation_id != organisation_id:
                raise NotFoundError("organisation not found")
            raise PermissionDeniedError("only an admin of the organisation lists its users")
        return await page_of(self.users, limit, after, organisation_id=organisation_id)

    async def disable(self, caller: Principal, user_id: str) -> User:
        """Disable a user: no login, no refresh; every open session is revoked."""
        user: User | None = await self.users.get(user_id)
        if user is None or not may_administer(caller, user.organisation_id):
            raise NotFoundError("user not found")
        now = self.clock()
        user.disable(now)
        await self.users.save(user)
        for session in await self.sessions.find(user_id=user.id, revoked_at=None):
            session.revoke("user disabled", now)
            await self.sessions.save(session)
        return user

    async def _tokens_for(self, user: User, session: RefreshSession, secret: str, now: datetime) -> IssuedToken:
        issued = await self.tokens.issue(
            subject=user.id, subject_type="user", organisation_id=user.organisation_id,
            organisation_kind=user.organisation_kind, roles=user.roles, factory_id=user.factory_id,
        )
        return replace(issued, refresh_token=f"{session.id}.{secret}",
                       refresh_expires_in=int((session.expires_at - now).total_seconds()))
