"""Users: invitation by e-mail, acceptance, login, refresh with rotation, sign-out and disabling."""

import pytest

from access_control.domain.users import User
from access_control.service_layer.handlers import AccessControl
from access_control.service_layer.users import UserAccounts
from shared_audits.auth import Principal, principal_from_claims
from shared_audits.contracts.enums import OrganisationKind, UserRole
from shared_audits.contracts.events import UserInvited
from shared_audits.errors import (
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
)
from shared_audits.testing import member, operator

PASSWORD = "correct horse battery staple"  # pragma: allowlist secret


@pytest.fixture
async def brand_id(access: AccessControl) -> str:
    return (await access.register_organisation(operator(), "Brand", OrganisationKind.MEMBER, None)).organisation.id


def acceptance_token(users: UserAccounts, user: User) -> str:
    """What the notifier reads from UserInvited to build the e-mail's link."""
    invited = [e for e in users.users.published if isinstance(e, UserInvited) and e.user_id == user.id]
    return invited[-1].acceptance_token


async def active_user(users: UserAccounts, brand_id: str, email: str = "ana@brand.example") -> User:
    user = await users.invite(member(brand_id), None, email, [UserRole.USER])
    return await users.accept_invitation(acceptance_token(users, user), PASSWORD)


async def test_an_admin_invites_and_the_event_carries_what_the_email_needs(
    users: UserAccounts, brand_id: str
) -> None:
    user = await users.invite(member(brand_id), None, "Ana@Brand.example", [UserRole.ADMIN, UserRole.USER])
    assert user.status == "invited" and user.email == "ana@brand.example"
    (event,) = users.users.published
    assert isinstance(event, UserInvited)
    assert (event.email, event.organisation_name, event.roles) == ("ana@brand.example", "Brand", ["admin", "user"])
    # Only a hash of the one-time token is kept.
    assert event.acceptance_token not in user.model_dump_json()


async def test_roles_must_suit_the_kind_of_organisation(users: UserAccounts, brand_id: str) -> None:
    with pytest.raises(InvalidRequestError):
        await users.invite(member(brand_id), None, "ana@brand.example", [UserRole.AUDITOR])
    with pytest.raises(InvalidRequestError):
        await users.invite(member(brand_id), None, "ana@brand.example", [UserRole.OPERATOR])


async def test_only_admins_invite_and_only_into_their_own_organisation(
    users: UserAccounts, brand_id: str
) -> None:
    plain_user = Principal("user-1", brand_id, OrganisationKind.MEMBER, frozenset({"user"}))
    with pytest.raises(PermissionDeniedError):
        await users.invite(plain_user, None, "ana@brand.example", [UserRole.USER])
    with pytest.raises(NotFoundError):
        await users.invite(member("m-other"), brand_id, "ana@brand.example", [UserRole.USER])
    invited = await users.invite(operator(), brand_id, "ana@brand.example", [UserRole.ADMIN])
    assert invited.organisation_id == brand_id
    with pytest.raises(ConflictError):
        await users.invite(member(brand_id), None, "ANA@brand.example", [UserRole.USER])


async def test_an_invitation_is_accepted_once_and_not_after_it_expired(
    users: UserAccounts, brand_id: str, clock
) -> None:
    user = await users.invite(member(brand_id), None, "ana@brand.example", [UserRole.USER])
    token = acceptance_token(users, user)
    accepted = await users.accept_invitation(token, PASSWORD)
    assert accepted.status == "active" and accepted.password_hash == f"hashed:{PASSWORD}"
    with pytest.raises(NotFoundError):
        await users.accept_invitation(token, "another password!")

    late = await users.invite(member(brand_id), None, "bo@brand.example", [UserRole.USER])
    clock.advance(hours=73)
    with pytest.raises(NotFoundError):
        await users.accept_invitation(acceptance_token(users, late), PASSWORD)
    with pytest.raises(NotFoundError):
        await users.accept_invitation("made-up", PASSWORD)


async def test_a_users_token_carries_the_client_claims_plus_user_and_roles(
    users: UserAccounts, brand_id: str, decode
) -> None:
    user = await active_user(users, brand_id)
    issued = await users.login("ANA@brand.example", PASSWORD)
    claims = await decode(issued.access_token)
    principal = principal_from_claims(claims)
    assert (principal.subject, principal.organisation_id, principal.roles) == (user.id, brand_id, {"user"})
    assert principal.is_member and claims["sub_type"] == "user"
    assert {"iss", "aud", "exp", "nbf", "iat", "jti"} <= claims.keys()
    assert issued.refresh_token and issued.refresh_expires_in == 14 * 24 * 3600


async def test_login_refuses_wrong_passwords_unknown_and_pending_users_alike(
    users: UserAccounts, brand_id: str
) -> None:
    await active_user(users, brand_id)
    await users.invite(member(brand_id), None, "pending@brand.example", [UserRole.USER])
    for email, password in [("ana@brand.example", "wrong password"), ("nobody@brand.example", PASSWORD),
                            ("pending@brand.example", PASSWORD)]:
        with pytest.raises(UnauthenticatedError, match="unknown user or wrong password"):
            await users.login(email, password)


async def test_refresh_rotates_and_a_reused_token_revokes_the_session(
    users: UserAccounts, brand_id: str
) -> None:
    await active_user(users, brand_id)
    first = await users.login("ana@brand.example", PASSWORD)
    second = await users.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    third = await users.refresh(second.refresh_token)

    with pytest.raises(UnauthenticatedError):  # a thief replays the spent token...
        await users.refresh(first.refresh_token)
    with pytest.raises(UnauthenticatedError):  # ...and the whole session is gone, for the owner too
        await users.refresh(third.refresh_token)
    with pytest.raises(UnauthenticatedError):
        await users.refresh("no-such-session.secret")


async def test_a_refresh_token_expires_with_its_session(users: UserAccounts, brand_id: str, clock) -> None:
    await active_user(users, brand_id)
    issued = await users.login("ana@brand.example", PASSWORD)
    clock.advance(days=14, seconds=1)
    with pytest.raises(UnauthenticatedError):
        await users.refresh(issued.refresh_token)


async def test_logout_revokes_the_session(users: UserAccounts, brand_id: str) -> None:
    await active_user(users, brand_id)
    issued = await users.login("ana@brand.example", PASSWORD)
    await users.logout(issued.refresh_token)
    with pytest.raises(UnauthenticatedError):
        await users.refresh(issued.refresh_token)


async def test_a_disabled_user_can_neither_log_in_nor_refresh(users: UserAccounts, brand_id: str) -> None:
    user = await active_user(users, brand_id)
    issued = await users.login("ana@brand.example", PASSWORD)
    with pytest.raises(NotFoundError):
        await users.disable(member("m-other"), user.id)
    await users.disable(member(brand_id), user.id)
    (session,) = await users.sessions.find(user_id=user.id)
    assert session.revoked_reason == "user disabled"
    with pytest.raises(UnauthenticatedError):
        await users.login("ana@brand.example", PASSWORD)
    with pytest.raises(UnauthenticatedError):
        await users.refresh(issued.refresh_token)


async def test_an_admin_lists_only_the_users_of_its_organisation(users: UserAccounts, brand_id: str) -> None:
    await active_user(users, brand_id)
    assert [user.email for user in (await users.users_of(member(brand_id), None))[0]] == ["ana@brand.example"]
    with pytest.raises(NotFoundError):
        await users.users_of(member("m-other"), brand_id)
    assert await users.users_of(member("m-other"), None) == ([], None)
