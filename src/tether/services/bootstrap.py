"""First start: the partner tenant, an admin user and a partner-scoped API client."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from tether.domain.tenancy import Role, TenantKind
from tether.errors import Conflict
from tether.security import tokens
from tether.security.passwords import generate_password, hash_secret
from tether.security.scoping import TenantScope, system_scope
from tether.store.db import Database
from tether.store.models import ApiClient, Tenant, User
from tether.store.repositories.audit import AuditLog
from tether.store.repositories.identity import (
    AccessTokenRepository,
    ApiClientRepository,
    CredentialDirectory,
    UserRepository,
)
from tether.store.repositories.tenants import TenantDirectory

BOOTSTRAP_CLIENT_NAME = "bootstrap"


@dataclass(frozen=True, slots=True)
class BootstrapResult:
    partner_id: str
    api_key: str
    admin_user: str
    # Only when newly created or rotated: afterwards only their hashes exist.
    api_secret: str | None = field(repr=False)
    admin_password: str | None = field(repr=False)
    created_partner: bool

    def public(self) -> dict[str, str]:
        shown = {
            "partner_id": self.partner_id,
            "api_key": self.api_key,
            "admin_user": self.admin_user,
        }
        if self.api_secret is not None:
            shown["api_secret"] = self.api_secret
        if self.admin_password is not None:
            shown["admin_password"] = self.admin_password
        return shown


def new_tenant_id(kind: TenantKind) -> str:
    return kind.id_prefix + secrets.token_hex(10)


def bootstrap(
    db: Database, *, partner_name: str = "Tether", admin_user: str = "admin", rotate: bool = False
) -> BootstrapResult:
    """Idempotent: creates what is missing; ``rotate`` issues a new password and API secret."""
    with db.transaction() as session:
        directory = TenantDirectory(session)
        partner = directory.first_partner()
        created_partner = partner is None
        if partner is None:
            partner = directory.add_partner(
                Tenant(id=new_tenant_id(TenantKind.PARTNER), kind="partner", name=partner_name)
            )
        scope = system_scope(partner)
        audit = AuditLog(session, scope)
        if created_partner:
            audit.record("tenant.create", "tenant", partner.id, {"name": partner_name})
        password = _ensure_admin(session, scope, admin_user, rotate, audit)
        api_key, api_secret = _ensure_api_client(ApiClientRepository(session, scope), rotate, audit)
    return BootstrapResult(
        partner_id=partner.id,
        api_key=api_key,
        api_secret=api_secret,
        admin_user=admin_user,
        admin_password=password,
        created_partner=created_partner,
    )


def _ensure_admin(
    session: Session, scope: TenantScope, username: str, rotate: bool, audit: AuditLog
) -> str | None:
    users = UserRepository(session, scope)
    user = users.by_username(username)
    if user is None:
        if CredentialDirectory(session).user_by_username(username) is not None:
            raise Conflict(f"user {username!r} exists in another tenant")
        password = generate_password()
        users.add(
            User(username=username, password_hash=hash_secret(password), role=Role.PARTNER_ADMIN)
        )
        audit.record("user.create", "user", username, {"role": Role.PARTNER_ADMIN.value})
        return password
    if not rotate:
        return None
    password = generate_password()
    user.password_hash = hash_secret(password)
    AccessTokenRepository(session, scope).revoke_for_user(user.id)
    audit.record("user.rotate_password", "user", username)
    return password


def _ensure_api_client(
    repo: ApiClientRepository, rotate: bool, audit: AuditLog
) -> tuple[str, str | None]:
    existing = repo.named(BOOTSTRAP_CLIENT_NAME)
    if existing is not None and not rotate:
        return existing.key, None
    if existing is not None:
        repo.revoke(existing)
        audit.record("api_client.revoke", "api_client", existing.key)
    secret = tokens.new_api_secret()
    created = repo.add(
        ApiClient(
            name=BOOTSTRAP_CLIENT_NAME,
            key=tokens.new_api_key(),
            secret_hash=hash_secret(secret),
            role=Role.PARTNER_ADMIN,
        )
    )
    audit.record("api_client.create", "api_client", created.key, {"role": created.role})
    return created.key, secret


def partner_id(db: Database) -> str | None:
    """The id of the bootstrapped partner tenant, if any."""
    with db.transaction() as session:
        partner = TenantDirectory(session).first_partner()
    return partner.id if partner else None
