"""Tenant scoping: the only way to obtain the ``TenantScope`` that every repository needs.

A repository cannot be built without a ``TenantScope``, and a ``TenantScope`` cannot be
built except by ``grant`` (which checks that the principal reaches the tenant) or by
``system_scope`` (for Tether's own jobs, named so that every use is easy to find).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tether.domain.tenancy import Principal, TenantKind
from tether.errors import NotFound, PermissionDenied

_ISSUER = object()


@dataclass(frozen=True, slots=True)
class TenantScope:
    tenant_id: str
    tenant_kind: TenantKind
    principal: Principal | None
    _issuer: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._issuer is not _ISSUER:
            raise TypeError("TenantScope is issued by tether.security.scoping.grant only")

    @property
    def actor(self) -> str:
        return self.principal.label if self.principal else "system"

    def require_write(self) -> None:
        if self.principal is not None and not self.principal.role.can_write:
            raise PermissionDenied("the viewer role is read-only")


@dataclass(frozen=True, slots=True)
class TenantRef:
    """What scoping needs to know of a target tenant."""

    id: str
    kind: TenantKind
    parent_id: str | None


def reaches(principal: Principal, tenant: TenantRef) -> bool:
    if tenant.id == principal.tenant_id:
        return True
    # A partner's principals reach the partner's clients; a client's reach only itself.
    return principal.tenant_kind is TenantKind.PARTNER and tenant.parent_id == principal.tenant_id


def grant(principal: Principal, tenant: TenantRef | None, requested_id: str) -> TenantScope:
    """Scope ``principal`` to ``tenant``; an unreachable tenant is reported as absent."""
    if tenant is None or not reaches(principal, tenant):
        # 404 rather than 403: a caller must not learn which other tenants exist.
        raise NotFound(f"tenant {requested_id} not found", code="tenant_not_found")
    return TenantScope(tenant.id, tenant.kind, principal, _ISSUER)


def system_scope(tenant: TenantRef) -> TenantScope:
    """A scope for Tether's own work (bootstrap, scheduled jobs): no principal."""
    return TenantScope(tenant.id, tenant.kind, None, _ISSUER)


def require_partner(scope: TenantScope) -> None:
    if scope.tenant_kind is not TenantKind.PARTNER:
        raise NotFound("this operation exists on partner tenants only", code="not_a_partner")
