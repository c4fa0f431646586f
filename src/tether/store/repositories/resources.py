"""The inventory: resources as last seen and their history, per tenant.

A client's scope reads its own inventory. A partner's scope reads the inventories of all
of its clients (as OpsRamp's ``/tenants/{partnerId}/resources/search`` does); it never
reaches another partner's clients.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from tether.domain.tenancy import TenantKind
from tether.errors import NotFound
from tether.security.scoping import TenantScope
from tether.store.models import Resource, ResourceChange, Scan, Tenant
from tether.store.paging import Page, PageRequest, Sortable, fetch_page
from tether.store.repositories.base import ScopedRepository
from tether.store.text_match import ContainsFolded


@dataclass(frozen=True, slots=True)
class TagFilter:
    key: str
    value: str | None = None  # None: the tag is set, whatever its value


@dataclass(frozen=True, slots=True)
class ResourceFilter:
    """The inventory search; empty tuples and ``None`` mean "any"."""

    resource_types: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    account_ids: tuple[str, ...] = ()
    name: str | None = None
    name_contains: str | None = None
    arn: str | None = None
    state: str | None = None
    zone: str | None = None
    integration_id: str | None = None
    tags: tuple[TagFilter, ...] = ()
    # Exact values of attributes (``instanceType``, ``ami``), as (key, value) pairs.
    attributes: tuple[tuple[str, str], ...] = ()
    include_deleted: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.resource_types:
            found.append(Resource.resource_type.in_(self.resource_types))
        if self.regions:
            found.append(Resource.region.in_(self.regions))
        if self.account_ids:
            found.append(Resource.account_id.in_(self.account_ids))
        if self.name is not None:
            found.append(Resource.name == self.name)
        if self.name_contains is not None:
            found.append(ContainsFolded(Resource.name, self.name_contains))
        if self.arn is not None:
            found.append(Resource.arn == self.arn)
        if self.state is not None:
            found.append(func.lower(Resource.state) == self.state.lower())
        if self.zone is not None:
            found.append(Resource.zone == self.zone)
        if self.integration_id is not None:
            found.append(Resource.integration_id == self.integration_id)
        for tag in self.tags:
            found.append(_json_text(Resource.tags, tag.key, tag.value))
        for key, value in self.attributes:
            found.append(_json_text(Resource.attributes, key, value))
        if not self.include_deleted:
            found.append(Resource.deleted_at.is_(None))
        return found


def _json_text(
    column: InstrumentedAttribute[dict[str, Any]], key: str, value: str | None
) -> ColumnElement[bool]:
    """``column[key]`` as text equals ``value`` (or is set): JSON_EXTRACT on SQLite, ->> on
    PostgreSQL."""
    text: ColumnElement[str] = column[key].as_string()
    return text.is_not(None) if value is None else text == value


def visible_to(scope: TenantScope, column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """The tenants whose inventory ``scope`` reads: a client its own, a partner its own and
    all of its clients'."""
    if scope.tenant_kind is TenantKind.PARTNER:
        clients = select(Tenant.id).where(
            or_(Tenant.id == scope.tenant_id, Tenant.parent_id == scope.tenant_id)
        )
        return column.in_(clients)
    return column == scope.tenant_id


class ResourceRepository(ScopedRepository):
    def _visible(self, column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        return visible_to(self.scope, column)

    def _resources(self) -> Select[Resource]:
        return select(Resource).where(self._visible(Resource.tenant_id))

    def find(self, resource_id: int) -> Resource | None:
        return self.session.scalars(self._resources().where(Resource.id == resource_id)).first()

    def get(self, resource_id: int) -> Resource:
        found = self.find(resource_id)
        if found is None:
            raise NotFound(f"resource {resource_id} not found", code="resource_not_found")
        return found

    def search(self, where: ResourceFilter, request: PageRequest) -> Page[Resource]:
        sortable: dict[str, Sortable] = {
            "id": Resource.id,
            "name": func.lower(func.coalesce(Resource.name, "")),
            "resourceType": Resource.resource_type,
            "region": Resource.region,
            "accountNumber": Resource.account_id,
            "state": func.coalesce(Resource.state, ""),
            "createdTime": func.coalesce(Resource.created_time, Resource.first_seen),
            "updatedTime": Resource.last_changed,
            "firstSeen": Resource.first_seen,
        }
        stmt = self._resources().where(*where.conditions())
        return fetch_page(self.session, stmt, request, sortable, "id", Resource.id)

    def batch_after(self, where: ResourceFilter, after_id: int, size: int) -> Sequence[Resource]:
        """Up to ``size`` resources with ids above ``after_id``, by id: an export's pages
        (keyset paging, so each batch costs the same however deep the export is)."""
        return self.session.scalars(
            self._resources()
            .where(*where.conditions(), Resource.id > after_id)
            .order_by(Resource.id)
            .limit(size)
        ).all()

    def with_arns(self, tenant_id: str, arns: Collection[str]) -> Sequence[Resource]:
        """Resources of one (visible) tenant with these ARNs."""
        if not arns:
            return []
        return self.session.scalars(
            self._resources().where(Resource.tenant_id == tenant_id, Resource.arn.in_(arns))
        ).all()

    def referencing(self, tenant_id: str, arn: str, limit: int) -> list[Resource]:
        """Live resources of one (visible) tenant with a relationship to ``arn``.

        The JSON is searched as text, then each candidate's relationships are checked: an
        ARN that merely contains ``arn`` is not a match."""
        candidates = self.session.scalars(
            self._resources()
            .where(
                Resource.tenant_id == tenant_id,
                Resource.deleted_at.is_(None),
                cast(Resource.relationships, String).contains(arn, autoescape=True),
            )
            .order_by(Resource.id)
            .limit(limit)
        ).all()
        return [
            row
            for row in candidates
            if any(isinstance(rel, dict) and rel.get("arn") == arn for rel in row.relationships)
        ]

    def with_ids(self, resource_ids: Collection[int]) -> dict[int, Resource]:
        if not resource_ids:
            return {}
        rows = self.session.scalars(self._resources().where(Resource.id.in_(resource_ids)))
        return {row.id: row for row in rows}

    def _changes(self) -> Select[ResourceChange]:
        return select(ResourceChange).where(self._visible(ResourceChange.tenant_id))

    def history(self, resource_id: int, request: PageRequest) -> Page[ResourceChange]:
        sortable: dict[str, Sortable] = {"time": ResourceChange.at, "kind": ResourceChange.kind}
        stmt = self._changes().where(ResourceChange.resource_id == resource_id)
        return fetch_page(self.session, stmt, request, sortable, "time", ResourceChange.id)

    def recent_history(self, resource_id: int, limit: int) -> list[ResourceChange]:
        """The last ``limit`` changes, oldest first."""
        newest = self.session.scalars(
            self._changes()
            .where(ResourceChange.resource_id == resource_id)
            .order_by(ResourceChange.at.desc(), ResourceChange.id.desc())
            .limit(limit)
        ).all()
        return list(reversed(newest))

    def scan(self, scan_id: str) -> Scan | None:
        return self.session.scalars(
            select(Scan).where(self._visible(Scan.tenant_id), Scan.id == scan_id)
        ).first()

    def scan_changes(self, scan_id: str, request: PageRequest) -> Page[ResourceChange]:
        sortable: dict[str, Sortable] = {
            "time": ResourceChange.at,
            "kind": ResourceChange.kind,
            "name": func.lower(func.coalesce(Resource.name, "")),
            "resourceType": Resource.resource_type,
        }
        stmt = (
            self._changes()
            .join(Resource, Resource.id == ResourceChange.resource_id)
            .where(ResourceChange.scan_id == scan_id)
        )
        return fetch_page(self.session, stmt, request, sortable, "time", ResourceChange.id)
