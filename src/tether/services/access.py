"""Turning an authenticated principal and a tenant id from a URL into a scope."""

from __future__ import annotations

from tether.domain.tenancy import Principal
from tether.security.scoping import TenantScope, grant
from tether.store.db import Database
from tether.store.repositories.tenants import TenantDirectory


def scope_for(db: Database, principal: Principal, tenant_id: str) -> TenantScope:
    with db.transaction() as session:
        return grant(principal, TenantDirectory(session).ref(tenant_id), tenant_id)
