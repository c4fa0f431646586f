"""The audit log of one tenant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tether.store.models import AuditEvent
from tether.store.paging import Page, PageRequest, Sortable, fetch_page
from tether.store.repositories.base import ScopedRepository


class AuditLog(ScopedRepository):
    def record(
        self,
        action: str,
        target_type: str,
        target_id: str,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        event = AuditEvent(
            tenant_id=self.tenant_id,
            actor=self.scope.actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            details=details,
        )
        self.session.add(event)
        return event

    def search(
        self, request: PageRequest, action: str | None = None, actor: str | None = None
    ) -> Page[AuditEvent]:
        stmt = select(AuditEvent).where(AuditEvent.tenant_id == self.tenant_id)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        if actor is not None:
            stmt = stmt.where(AuditEvent.actor == actor)
        sortable: dict[str, Sortable] = {"time": AuditEvent.at, "action": AuditEvent.action}
        # Newest first unless asked otherwise is what a reader of a log expects.
        return fetch_page(self.session, stmt, request, sortable, "time", AuditEvent.id)
