"""The console's own routes (login, logout, home, client choice) and its page routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tether.api.deps import DB, AppSettings
from tether.errors import AuthenticationFailed
from tether.services.clients import minimal_clients, own_name
from tether.services.logins import LoginThrottle, TooManyAttempts, login, logout
from tether.web.session import SESSION_COOKIE, CheckedUser, WebUser
from tether.web.templating import render

router = APIRouter(include_in_schema=False)
throttle = LoginThrottle()


def client_choices(db: DB, user: WebUser) -> list[tuple[str, str]]:
    """(id, name) of the clients the user may pick: all of a partner's, or the user's own."""
    if not user.is_partner:
        return [(user.home_tenant, own_name(db, user.scope(db)))]
    return sorted(minimal_clients(db, user.scope(db)), key=lambda pair: pair[1].lower())


def _safe_next(next_url: str | None) -> str:
    """Only a path of this site: never an open redirect. Browsers read ``/\\host`` and
    control characters leniently, so any of those sends the user home instead."""
    if (
        next_url
        and next_url.startswith("/")
        and not next_url.startswith("//")
        and "\\" not in next_url
        and next_url.isprintable()
        and " " not in next_url
    ):
        return next_url
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", None, {"next": _safe_next(next)})


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    db: DB,
    settings: AppSettings,
    username: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    address = request.client.host if request.client else "unknown"
    context = {"next": _safe_next(next), "username": username}
    try:
        throttle.check(address, username)
        token = login(db, username, password)
    except TooManyAttempts as error:
        return render(request, "login.html", None, {**context, "error": error.message}, 429)
    except AuthenticationFailed:
        throttle.failed(address, username)
        wrong = "Wrong username or password."
        return render(request, "login.html", None, {**context, "error": wrong}, 401)
    throttle.succeeded(address, username)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout_submit(db: DB, user: CheckedUser) -> Response:
    logout(db, user.session_token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home() -> Response:
    return RedirectResponse("/setup/integrations", status_code=303)
