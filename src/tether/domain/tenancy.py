"""Tenants, roles and the principal a request acts as."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class TenantKind(enum.StrEnum):
    PARTNER = "partner"
    CLIENT = "client"

    @property
    def id_prefix(self) -> str:
        # python-opsramp decides "is this a client" by the ``client_`` prefix.
        return "msp_" if self is TenantKind.PARTNER else "client_"


class TenantStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


class Role(enum.StrEnum):
    PARTNER_ADMIN = "partner-admin"
    CLIENT_ADMIN = "client-admin"
    VIEWER = "viewer"

    @property
    def can_write(self) -> bool:
        return self is not Role.VIEWER

    def fits(self, kind: TenantKind) -> bool:
        """Whether a user or API client of a tenant of ``kind`` may hold this role."""
        if self is Role.PARTNER_ADMIN:
            return kind is TenantKind.PARTNER
        if self is Role.CLIENT_ADMIN:
            return kind is TenantKind.CLIENT
        return True

    @property
    def oauth_scope(self) -> str:
        return "global:manage" if self.can_write else "global:read"


class PrincipalKind(enum.StrEnum):
    USER = "user"
    API_CLIENT = "api_client"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: a user or an API client of one tenant."""

    kind: PrincipalKind
    id: int
    name: str
    role: Role
    tenant_id: str
    tenant_kind: TenantKind

    @property
    def label(self) -> str:
        """How the audit log and ``installedBy`` name this principal."""
        return self.name if self.kind is PrincipalKind.USER else f"api:{self.name}"
