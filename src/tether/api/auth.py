"""``POST /tenancy/auth/oauth/token``: the OAuth 2 client-credentials grant."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from tether.api.deps import DB, AppSettings, Caller
from tether.api.errors import ERROR_RESPONSES
from tether.errors import AuthenticationFailed, InvalidInput, TetherError
from tether.services.auth import issue_client_token, revoke_token
from tether.services.logins import LoginThrottle

# Every route here reads a bearer token or a client secret: a missing or wrong one is a 401.
router = APIRouter(
    tags=["auth"], responses={status: ERROR_RESPONSES[status] for status in (401, 503)}
)

MAX_FORM_FIELD = 512
FormField = Annotated[str | None, Form(max_length=MAX_FORM_FIELD)]
# The token endpoint checks the length itself, so that a too long field gets the OAuth error
# body (RFC 6749 5.2) like every other bad request there, not the generic validation one.
OAuthField = Annotated[str | None, Form(json_schema_extra={"maxLength": MAX_FORM_FIELD})]


class TokenBody(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


class OAuthError(BaseModel):
    error: str
    error_description: str
    code: str
    message: str


@router.post(
    "/tenancy/auth/oauth/token",
    response_model=TokenBody,
    responses={
        400: {"model": OAuthError},
        401: {"model": OAuthError},
        429: {"model": OAuthError, "description": "Too many wrong secrets; try again later"},
    },
)
def issue_token(
    request: Request,
    db: DB,
    settings: AppSettings,
    grant_type: OAuthField = None,
    client_id: OAuthField = None,
    client_secret: OAuthField = None,
) -> TokenBody | JSONResponse:
    # Guessing secrets: five wrong ones per (address, client id) in five minutes, then 429.
    throttle = token_throttle(request)
    address = request.client.host if request.client else "unknown"
    try:
        _check_lengths(grant_type=grant_type, client_id=client_id, client_secret=client_secret)
        throttle.check(address, client_id or "")
        try:
            grant = issue_client_token(
                db, grant_type, client_id, client_secret, settings.token_ttl_seconds
            )
        except AuthenticationFailed:
            throttle.failed(address, client_id or "")
            raise
        throttle.succeeded(address, client_id or "")
    except TetherError as exc:
        # OAuth clients read error/error_description; Tether's own clients read code/message.
        body = {
            "error": exc.code,
            "error_description": exc.message,
            "code": exc.code,
            "message": exc.message,
        }
        return JSONResponse(body, status_code=exc.status, headers={"Cache-Control": "no-store"})
    return TokenBody(
        access_token=grant.access_token,
        token_type=grant.token_type,
        expires_in=grant.expires_in,
        scope=grant.scope,
    )


def _check_lengths(**fields: str | None) -> None:
    for name, value in fields.items():
        if value is not None and len(value) > MAX_FORM_FIELD:
            raise InvalidInput(name, f"must be at most {MAX_FORM_FIELD} characters")


def token_throttle(request: Request) -> LoginThrottle:
    """The app's throttle of wrong client secrets (one per app, so per process)."""
    throttle: LoginThrottle = request.app.state.token_throttle
    return throttle


@router.post(
    "/tenancy/auth/oauth/revoke",
    response_class=Response,
    responses={200: {"description": "Revoked, or no such token of the caller (not told apart)"}},
    tags=["auth"],
)
def revoke(
    db: DB,
    principal: Caller,
    authorization: Annotated[str, Header()],
    token: FormField = None,
) -> Response:
    """Revoke an access token of the caller (RFC 7009): ``token``, or by default the one this
    request carries. Answers the same whether or not there was such a token."""
    own = authorization.partition(" ")[2]
    revoke_token(db, principal, token or own)
    return Response(status_code=200, headers={"Cache-Control": "no-store"})


class WhoAmI(BaseModel):
    kind: str
    name: str
    role: str
    tenantId: str
    tenantKind: str


@router.get("/api/v1/me", response_model=WhoAmI, tags=["identity"])
def who_am_i(principal: Caller) -> WhoAmI:
    return WhoAmI(
        kind=principal.kind.value,
        name=principal.name,
        role=principal.role.value,
        tenantId=principal.tenant_id,
        tenantKind=principal.tenant_kind.value,
    )
