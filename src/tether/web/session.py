"""Who is using the console: the session cookie, CSRF tokens, the tenant in view.

Every page depends on ``CurrentUser`` (no valid session: ``LoginRequired``, answered with a
redirect to the login page). Every form POST depends on ``CheckedUser``, which also demands
the session's CSRF token, from the form field ``csrf_token`` or the ``X-CSRF-Token``
header (sent by ``tether.js`` for script-made requests). The CSRF token is an HMAC of the
session token, so it needs no storage and dies with the session.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from tether.api.deps import DB
from tether.domain.tenancy import Principal, TenantKind
from tether.errors import AuthenticationFailed, PermissionDenied
from tether.security.scoping import TenantScope
from tether.services.access import scope_for
from tether.services.logins import session_principal
from tether.store.db import Database

SESSION_COOKIE = "tether_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class LoginRequired(Exception):
    """No valid session: the console answers with the login page's address."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def csrf_token_for(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"tether-csrf", hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class WebUser:
    principal: Principal
    session_token: str

    @property
    def csrf_token(self) -> str:
        return csrf_token_for(self.session_token)

    @property
    def is_partner(self) -> bool:
        return self.principal.tenant_kind is TenantKind.PARTNER

    @property
    def home_tenant(self) -> str:
        return self.principal.tenant_id

    def scope(self, db: Database, tenant_id: str | None = None) -> TenantScope:
        """The scope of ``tenant_id`` (default: the user's own tenant) if the user may see it;
        else ``NotFound`` (another tenant's data is never confirmed to exist)."""
        return scope_for(db, self.principal, tenant_id or self.principal.tenant_id)


def web_user(request: Request, db: DB) -> WebUser:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired(_here(request))
    try:
        principal = session_principal(db, token)
    except AuthenticationFailed:
        raise LoginRequired(_here(request)) from None
    return WebUser(principal, token)


def _here(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return request.url.path + query if request.method == "GET" else "/"


CurrentUser = Annotated[WebUser, Depends(web_user)]


async def csrf_checked_user(request: Request, user: CurrentUser) -> WebUser:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, user.csrf_token):
        raise PermissionDenied("the form is stale or forged (CSRF check failed): reload the page")
    return user


CheckedUser = Annotated[WebUser, Depends(csrf_checked_user)]
