"""The OAuth client-credentials grant and bearer-token authentication."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tether.domain.tenancy import Principal, PrincipalKind, Role, TenantKind
from tether.errors import AuthenticationFailed, InvalidInput
from tether.security import tokens
from tether.security.passwords import DUMMY_HASH, verify_secret
from tether.security.scoping import system_scope
from tether.store.db import Database
from tether.store.models import AccessToken, ApiClient, User
from tether.store.repositories.identity import AccessTokenRepository, CredentialDirectory
from tether.store.repositories.tenants import TenantDirectory
from tether.store.types import utcnow

GRANT_TYPE = "client_credentials"


@dataclass(frozen=True, slots=True)
class TokenGrant:
    access_token: str
    expires_in: int
    scope: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth token type, not a secret)


def issue_client_token(
    db: Database,
    grant_type: str | None,
    client_id: str | None,
    client_secret: str | None,
    ttl_seconds: int,
) -> TokenGrant:
    if not grant_type:
        raise InvalidInput("grant_type", "is required", code="invalid_request")
    if grant_type != GRANT_TYPE:
        raise InvalidInput(
            "grant_type", f"only {GRANT_TYPE} is supported", code="unsupported_grant_type"
        )
    if not client_id:
        raise InvalidInput("client_id", "is required", code="invalid_request")
    if not client_secret:
        raise InvalidInput("client_secret", "is required", code="invalid_request")
    with db.transaction() as session:
        api_client = CredentialDirectory(session).api_client_by_key(client_id)
        stored_hash = api_client.secret_hash if api_client else DUMMY_HASH
        valid = verify_secret(stored_hash, client_secret)
        if api_client is None or not valid or api_client.revoked_at is not None:
            raise AuthenticationFailed("unknown client or wrong secret", code="invalid_client")
        role = Role(api_client.role)
        tenant = TenantDirectory(session).ref(api_client.tenant_id)
        assert tenant is not None, "an API client's tenant exists (foreign key)"
        token = tokens.new_token()
        AccessTokenRepository(session, system_scope(tenant)).add(
            AccessToken(
                token_digest=tokens.digest(token),
                api_client_id=api_client.id,
                scope=role.oauth_scope,
                expires_at=utcnow() + timedelta(seconds=ttl_seconds),
            )
        )
    return TokenGrant(access_token=token, expires_in=ttl_seconds, scope=role.oauth_scope)


def authenticate_bearer(db: Database, authorization: str | None) -> Principal:
    """The principal behind an ``Authorization: Bearer ...`` header, or 401."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("a bearer token is required", code="unauthorized")
    with db.transaction() as session:
        directory = CredentialDirectory(session)
        row = directory.token_by_digest(tokens.digest(token.strip()))
        if row is None:
            raise AuthenticationFailed("the access token is not valid", code="invalid_token")
        if row.revoked_at is not None:
            raise AuthenticationFailed("the access token was revoked", code="invalid_token")
        if row.expires_at <= utcnow():
            raise AuthenticationFailed("the access token has expired", code="invalid_token")
        tenant = TenantDirectory(session).ref(row.tenant_id)
        assert tenant is not None, "a token's tenant exists (foreign key)"
        holder: ApiClient | User | None
        if row.api_client_id is not None:
            holder = directory.api_client(row.api_client_id)
            if holder is None or holder.revoked_at is not None:
                raise AuthenticationFailed("the API client was revoked", code="invalid_token")
            return _principal(PrincipalKind.API_CLIENT, holder, holder.name, tenant.kind)
        assert row.user_id is not None, "a token belongs to an API client or a user"
        holder = directory.user(row.user_id)
        if holder is None or holder.disabled_at is not None:
            raise AuthenticationFailed("the user is disabled", code="invalid_token")
        return _principal(PrincipalKind.USER, holder, holder.username, tenant.kind)


def _principal(
    kind: PrincipalKind, holder: ApiClient | User, name: str, tenant_kind: TenantKind
) -> Principal:
    return Principal(
        kind=kind,
        id=holder.id,
        name=name,
        role=Role(holder.role),
        tenant_id=holder.tenant_id,
        tenant_kind=tenant_kind,
    )


def revoke_token(db: Database, principal: Principal, token: str) -> bool:
    """Revoke ``token`` if ``principal`` holds it (RFC 7009); whether one was revoked.

    A token of anyone else, or no token at all, changes nothing and is not told apart, so
    the endpoint cannot be used to probe for valid tokens.
    """
    with db.transaction() as session:
        row = CredentialDirectory(session).token_by_digest(tokens.digest(token.strip()))
        if row is None or row.revoked_at is not None:
            return False
        holder_id = row.api_client_id if principal.kind is PrincipalKind.API_CLIENT else row.user_id
        if holder_id != principal.id:
            return False
        row.revoked_at = utcnow()
    return True
