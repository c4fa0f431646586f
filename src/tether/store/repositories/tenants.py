"""Tenants: the directory that scoping consults, and the partner's client repository."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from tether.domain.tenancy import TenantKind
from tether.security.scoping import TenantRef
from tether.store.models import Tenant
from tether.store.paging import Page, PageRequest, Sortable, fetch_page
from tether.store.repositories.base import ScopedRepository


@dataclass(frozen=True, slots=True)
class ClientFilter:
    """The client search keys; ``None`` means "any"."""

    name_contains: str | None = None
    unique_id: str | None = None
    country: str | None = None
    status: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.name_contains is not None:
            pattern = "%" + _escape_like(self.name_contains.lower()) + "%"
            found.append(func.lower(Tenant.name).like(pattern, escape="\\"))
        if self.unique_id is not None:
            found.append(Tenant.id == self.unique_id)
        if self.country is not None:
            found.append(func.lower(Tenant.country) == self.country.lower())
        if self.status is not None:
            found.append(Tenant.status == self.status.upper())
        return found


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class TenantDirectory:
    """Unscoped references to tenants, for granting scopes and bootstrapping."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def ref(self, tenant_id: str) -> TenantRef | None:
        row = self.session.execute(
            select(Tenant.id, Tenant.kind, Tenant.parent_id).where(Tenant.id == tenant_id)
        ).first()
        return TenantRef(row.id, TenantKind(row.kind), row.parent_id) if row else None

    def first_partner(self) -> TenantRef | None:
        row = self.session.execute(
            select(Tenant.id, Tenant.kind, Tenant.parent_id)
            .where(Tenant.kind == TenantKind.PARTNER.value)
            .order_by(Tenant.created_at, Tenant.id)
            .limit(1)
        ).first()
        return TenantRef(row.id, TenantKind(row.kind), row.parent_id) if row else None

    def add_partner(self, tenant: Tenant) -> TenantRef:
        assert tenant.kind == TenantKind.PARTNER.value
        assert tenant.parent_id is None
        self.session.add(tenant)
        self.session.flush()
        return TenantRef(tenant.id, TenantKind.PARTNER, None)


class TenantRepository(ScopedRepository):
    """The scoped tenant itself and, for a partner, its clients."""

    def own(self) -> Tenant:
        tenant = self.session.get(Tenant, self.tenant_id)
        assert tenant is not None, "a granted scope names an existing tenant"
        return tenant

    def _clients(self) -> Any:
        return select(Tenant).where(
            Tenant.parent_id == self.tenant_id, Tenant.kind == TenantKind.CLIENT.value
        )

    def add_client(self, client: Tenant) -> Tenant:
        client.parent_id = self.tenant_id
        client.kind = TenantKind.CLIENT.value
        self.session.add(client)
        self.session.flush()
        return client

    def client(self, client_id: str) -> Tenant | None:
        return self.session.scalars(self._clients().where(Tenant.id == client_id)).first()

    def client_named(self, name: str) -> Tenant | None:
        return self.session.scalars(self._clients().where(Tenant.name == name)).first()

    def search_clients(self, where: ClientFilter, request: PageRequest) -> Page[Tenant]:
        sortable: dict[str, Sortable] = {
            "name": func.lower(Tenant.name),
            "uniqueId": Tenant.id,
            "createdTime": Tenant.created_at,
            "updatedTime": Tenant.updated_at,
        }
        stmt = self._clients().where(*where.conditions())
        return fetch_page(self.session, stmt, request, sortable, "name", Tenant.id)

    def minimal_clients(self) -> Sequence[tuple[str, str]]:
        rows = self.session.execute(
            select(Tenant.id, Tenant.name)
            .where(Tenant.parent_id == self.tenant_id, Tenant.kind == TenantKind.CLIENT.value)
            .order_by(func.lower(Tenant.name), Tenant.id)
        ).all()
        return [(row.id, row.name) for row in rows]
