"""Sign-in, sign-out, the invitation's first password, and the language switcher."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Response
from fastapi.responses import RedirectResponse

from portal.adapters.catalogs import LANGUAGES
from portal.adapters.gateway import ServiceProblem
from portal.entrypoints.http.deps import LANGUAGE_COOKIE, CheckedForm, Page, safe_next

router = APIRouter()


@router.get("/")
async def home(page: Page) -> Response:
    if page.session is None:
        return RedirectResponse("/signin", status_code=303)
    return RedirectResponse(page.session.user.home, status_code=303)


@router.get("/signin")
async def sign_in_form(page: Page, next: str = "/", expired: bool = False) -> Response:
    if page.session is not None and not expired:
        return RedirectResponse(safe_next(next, page.session.user.home), status_code=303)
    notice = page._("Your session has ended. Please sign in again.") if expired else None
    return page.render("signin.html", next=safe_next(next), notice=notice, error=None, email="")


@router.post("/signin")
async def sign_in(page: CheckedForm, email: Annotated[str, Form(max_length=320)],
                  password: Annotated[str, Form(max_length=1024)], next: Annotated[str, Form()] = "/") -> Response:
    try:
        session = await page.portal.sign_in(email.strip(), password)
    except ServiceProblem as problem:
        if problem.status == 429:
            error = page._("Too many attempts. Please wait a minute and try again.")
        elif problem.status < 500:
            error = page._("The e-mail address or the password is not right.")
        else:
            raise
        return page.render("signin.html", status_code=401 if problem.status != 429 else 429,
                           next=safe_next(next), notice=None, error=error, email=email)
    page.set_session(session)
    target = safe_next(next, session.user.home)
    return RedirectResponse(session.user.home if target == "/" else target, status_code=303)


@router.post("/signout")
async def sign_out(page: CheckedForm) -> Response:
    if page.session is not None:
        try:
            await page.portal.gateway.post("/access/logout", None, {"refresh_token": page.session.refresh_token})
        except ServiceProblem:
            pass  # already ended on the server: the browser's cookie goes all the same
    page.set_session(None)
    return RedirectResponse("/signin", status_code=303)


@router.get("/invitation")
async def invitation_form(page: Page, token: str = "") -> Response:
    return page.render("invitation.html", token=token, error=None, errors={})


@router.post("/invitation")
async def accept_invitation(page: CheckedForm, token: Annotated[str, Form(max_length=512)],
                            password: Annotated[str, Form(max_length=1024)],
                            confirm: Annotated[str, Form(max_length=1024)]) -> Response:
    if password != confirm:
        return page.render("invitation.html", status_code=422, token=token, error=None,
                           errors={"confirm": page._("The two passwords differ.")})
    try:
        user = await page.portal.gateway.post("/access/users/invitations/accept", None,
                                              {"token": token, "password": password})
    except ServiceProblem as problem:
        if problem.status >= 500:
            raise
        errors = {"password": msg for name, msg in problem.field_errors.items() if name == "password"}
        error = None if errors else (problem.detail or page._("This invitation is not valid any more."))
        return page.render("invitation.html", status_code=problem.status, token=token, error=error, errors=errors)
    page.flash = page._("Your password is set. Please sign in.")
    return page.render("signin.html", next="/", notice=page.flash, error=None, email=user.get("email", ""))


@router.post("/language")
async def choose_language(page: CheckedForm, language: Annotated[str, Form()],
                          next: Annotated[str, Form()] = "/") -> Response:
    if language in {lang.code for lang in LANGUAGES}:
        page.cookies_out[LANGUAGE_COOKIE] = language
    return RedirectResponse(safe_next(next), status_code=303)
