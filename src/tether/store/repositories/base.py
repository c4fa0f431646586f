"""What every tenant-scoped repository holds."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tether.security.scoping import TenantScope


class ScopedRepository:
    def __init__(self, session: Session, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope

    @property
    def tenant_id(self) -> str:
        return self.scope.tenant_id
