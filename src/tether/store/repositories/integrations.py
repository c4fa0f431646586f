"""Installed integrations of one client tenant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select

from tether.errors import NotFound
from tether.store.models import Integration
from tether.store.paging import Page, PageRequest, Sortable, fetch_page
from tether.store.repositories.base import ScopedRepository


@dataclass(frozen=True, slots=True)
class IntegrationFilter:
    name_contains: str | None = None
    status: str | None = None
    account_id: str | None = None
    parent_id: str | None = None
    top_level_only: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.name_contains is not None:
            found.append(func.lower(Integration.display_name).contains(self.name_contains.lower()))
        if self.status is not None:
            found.append(Integration.status == self.status.lower())
        if self.account_id is not None:
            found.append(Integration.account_id == self.account_id)
        if self.parent_id is not None:
            found.append(Integration.parent_id == self.parent_id)
        if self.top_level_only:
            found.append(Integration.parent_id.is_(None))
        return found


class IntegrationRepository(ScopedRepository):
    def _all(self) -> Any:
        return select(Integration).where(Integration.tenant_id == self.tenant_id)

    def add(self, integration: Integration) -> Integration:
        integration.tenant_id = self.tenant_id
        self.session.add(integration)
        self.session.flush()
        return integration

    def find(self, integration_id: str) -> Integration | None:
        return self.session.scalars(self._all().where(Integration.id == integration_id)).first()

    def get(self, integration_id: str) -> Integration:
        found = self.find(integration_id)
        if found is None:
            raise NotFound(f"integration {integration_id} not found", code="integration_not_found")
        return found

    def children(self, parent_id: str) -> Sequence[Integration]:
        return self.session.scalars(
            self._all().where(Integration.parent_id == parent_id).order_by(Integration.account_id)
        ).all()

    def search(self, where: IntegrationFilter, request: PageRequest) -> Page[Integration]:
        sortable: dict[str, Sortable] = {
            "name": func.lower(Integration.display_name),
            "installedTime": Integration.installed_at,
            "status": Integration.status,
            "accountNumber": Integration.account_id,
        }
        stmt = self._all().where(*where.conditions())
        return fetch_page(self.session, stmt, request, sortable, "name", Integration.id)

    def delete(self, integration: Integration) -> None:
        assert integration.tenant_id == self.tenant_id
        self.session.delete(integration)
        self.session.flush()
