"""HTTP routes of users and their sessions: translate only."""

from fastapi import APIRouter, Request, Response

from access_control.domain.users import User
from access_control.entrypoints.http.deps import Cursor, PageLimit, Users
from access_control.entrypoints.http.schemas import (
    AcceptInvitation,
    InviteUser,
    Login,
    RefreshTokenIn,
    SessionTokensOut,
    UserOut,
)
from access_control.service_layer.tokens import IssuedToken
from access_control.service_layer.paging import PAGE_LIMIT
from shared_audits.http import NEXT_PAGE_HEADERS, CurrentPrincipal, link_next_page
from shared_audits.problems import problems

router = APIRouter(tags=["users"])


def _user_out(user: User) -> UserOut:
    return UserOut(
        user_id=user.id, organisation_id=user.organisation_id, email=user.email, roles=user.roles,
        status=user.status, invited_at=user.invited_at, invitation_expires_at=user.invitation_expires_at,
        activated_at=user.activated_at,
    )


def _session_tokens(issued: IssuedToken) -> SessionTokensOut:
    return SessionTokensOut(
        access_token=issued.access_token, expires_in=issued.expires_in,
        refresh_token=issued.refresh_token or "", refresh_expires_in=issued.refresh_expires_in or 0,
    )


@router.post("/users/invitations", response_model=UserOut, status_code=201)
async def invite_user(body: InviteUser, caller: CurrentPrincipal, users: Users) -> UserOut:
    """Invite a user by e-mail; the notifier sends the acceptance link from the UserInvited event."""
    return _user_out(await users.invite(caller, body.organisation_id, str(body.email), body.roles))


@router.post("/users/invitations/accept", response_model=UserOut)
async def accept_invitation(body: AcceptInvitation, users: Users) -> UserOut:
    """Set the first password with the one-time token from the invitation e-mail."""
    return _user_out(await users.accept_invitation(body.token, body.password))


@router.get("/users", response_model=list[UserOut], responses={200: {"description": "One page, in id order", "headers": NEXT_PAGE_HEADERS}})
async def list_users(
    request: Request, response: Response, caller: CurrentPrincipal, users: Users,
    organisation_id: str | None = None,
    limit: PageLimit = PAGE_LIMIT, cursor: Cursor = None,
) -> list[UserOut]:
    """The organisation's users (the operator: any organisation's), a page at a time: follow `Link: rel="next"`."""
    page, next_cursor = await users.users_of(caller, organisation_id, limit=limit, after=cursor)
    link_next_page(request, response, next_cursor, limit)
    return [_user_out(user) for user in page]


@router.delete("/users/{user_id}", response_model=UserOut)
async def disable_user(user_id: str, caller: CurrentPrincipal, users: Users) -> UserOut:
    return _user_out(await users.disable(caller, user_id))


@router.post("/login", response_model=SessionTokensOut, tags=["tokens"],
             responses=problems({401: "Unknown e-mail or wrong password",
                                 429: "Too many failed logins (or the gateway's rate limit); retry later"}))
async def login(body: Login, users: Users) -> SessionTokensOut:
    return _session_tokens(await users.login(str(body.email), body.password))


@router.post("/refresh", response_model=SessionTokensOut, tags=["tokens"],
             responses=problems({401: "An unknown, expired or spent refresh token (a spent one ends the session)"}))
async def refresh(body: RefreshTokenIn, users: Users) -> SessionTokensOut:
    """Spend a refresh token for new tokens; presenting a spent one revokes the session."""
    return _session_tokens(await users.refresh(body.refresh_token))


@router.post("/logout", status_code=204, tags=["tokens"],
             responses=problems({401: "An unknown, expired or spent refresh token"}))
async def logout(body: RefreshTokenIn, users: Users) -> Response:
    await users.logout(body.refresh_token)
    return Response(status_code=204)
