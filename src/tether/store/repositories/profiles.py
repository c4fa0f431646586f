"""Discovery profiles of one client tenant, and the schedule's cross-tenant look-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from tether.domain.tenancy import TenantStatus
from tether.errors import NotFound
from tether.store.models import DiscoveryProfile, Integration, Tenant
from tether.store.paging import Page, PageRequest, Sortable, fetch_page
from tether.store.repositories.base import ScopedRepository

# Integrations a schedule may scan: enabled, and (for a linked child) an account that is
# still in its Organization and usable.
SCANNABLE_STATUS = "enabled"
USABLE_ORG_STATUS = "ACTIVE"


@dataclass(frozen=True, slots=True)
class ProfileFilter:
    name_contains: str | None = None
    integration_id: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.name_contains is not None:
            found.append(
                func.lower(DiscoveryProfile.name).contains(
                    self.name_contains.lower(), autoescape=True
                )
            )
        if self.integration_id is not None:
            found.append(DiscoveryProfile.integration_id == self.integration_id)
        return found


class ProfileRepository(ScopedRepository):
    def _all(self) -> Any:
        return select(DiscoveryProfile).where(DiscoveryProfile.tenant_id == self.tenant_id)

    def add(self, profile: DiscoveryProfile) -> DiscoveryProfile:
        profile.tenant_id = self.tenant_id
        self.session.add(profile)
        self.session.flush()
        return profile

    def find(self, profile_id: int) -> DiscoveryProfile | None:
        return self.session.scalars(self._all().where(DiscoveryProfile.id == profile_id)).first()

    def get(self, profile_id: int) -> DiscoveryProfile:
        found = self.find(profile_id)
        if found is None:
            raise NotFound(
                f"discovery profile {profile_id} not found", code="discovery_profile_not_found"
            )
        return found

    def all(self) -> Sequence[DiscoveryProfile]:
        return self.session.scalars(self._all().order_by(DiscoveryProfile.id)).all()

    def for_integration(self, integration_id: str) -> Sequence[DiscoveryProfile]:
        return self.session.scalars(
            self._all()
            .where(DiscoveryProfile.integration_id == integration_id)
            .order_by(DiscoveryProfile.id)
        ).all()

    def named(self, integration_id: str, name: str) -> DiscoveryProfile | None:
        return self.session.scalars(
            self._all().where(
                DiscoveryProfile.integration_id == integration_id, DiscoveryProfile.name == name
            )
        ).first()

    def search(self, where: ProfileFilter, request: PageRequest) -> Page[DiscoveryProfile]:
        sortable: dict[str, Sortable] = {
            "name": func.lower(DiscoveryProfile.name),
            "id": DiscoveryProfile.id,
            "createdTime": DiscoveryProfile.created_at,
            "updatedTime": DiscoveryProfile.updated_at,
            "nextRunTime": DiscoveryProfile.next_run_at,
        }
        stmt = self._all().where(*where.conditions())
        return fetch_page(self.session, stmt, request, sortable, "name", DiscoveryProfile.id)

    def delete(self, profile: DiscoveryProfile) -> None:
        assert profile.tenant_id == self.tenant_id
        self.session.delete(profile)
        self.session.flush()

    def claim(
        self, profile_id: int, due_at: datetime, next_at: datetime | None, now: datetime
    ) -> bool:
        """Move a due profile's next run from ``due_at`` to ``next_at``, if nobody has yet.

        One conditional UPDATE: of several schedulers that saw the same due run, only the
        one whose statement changes the row may start the scan.
        """
        result = self.session.execute(
            update(DiscoveryProfile)
            .where(
                DiscoveryProfile.tenant_id == self.tenant_id,
                DiscoveryProfile.id == profile_id,
                DiscoveryProfile.next_run_at == due_at,
            )
            # A scheduled run is not an edit: updated_at keeps its value.
            .values(next_run_at=next_at, last_run_at=now, updated_at=DiscoveryProfile.updated_at)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        return result.rowcount == 1


@dataclass(frozen=True, slots=True)
class DueRun:
    """A reference to a profile whose scheduled run is due; no tenant data."""

    profile_id: int
    tenant_id: str
    integration_id: str
    next_run_at: datetime


class ScheduleDirectory:
    """The scheduler's one unscoped look-up: which profiles are due, in every tenant."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def due(self, now: datetime, limit: int = 1000) -> list[DueRun]:
        rows = self.session.execute(
            select(
                DiscoveryProfile.id,
                DiscoveryProfile.tenant_id,
                DiscoveryProfile.integration_id,
                DiscoveryProfile.next_run_at,
            )
            .join(Integration, Integration.id == DiscoveryProfile.integration_id)
            .join(Tenant, Tenant.id == DiscoveryProfile.tenant_id)
            .where(
                DiscoveryProfile.next_run_at <= now,
                Integration.tenant_id == DiscoveryProfile.tenant_id,
                Integration.status == SCANNABLE_STATUS,
                or_(Integration.org_status.is_(None), Integration.org_status == USABLE_ORG_STATUS),
                Tenant.status == TenantStatus.ACTIVE.value,
            )
            .order_by(DiscoveryProfile.next_run_at, DiscoveryProfile.id)
            .limit(limit)
        ).all()
        return [
            DueRun(profile_id, tenant_id, integration_id, due_at)
            for profile_id, tenant_id, integration_id, due_at in rows
            if due_at is not None
        ]
