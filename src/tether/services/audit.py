"""Reading a tenant's audit log."""

from __future__ import annotations

from tether.security.scoping import TenantScope
from tether.services.query import parse_query_string
from tether.store.db import Database
from tether.store.models import AuditEvent
from tether.store.paging import Page, PageRequest
from tether.store.repositories.audit import AuditLog

AUDIT_SEARCH_KEYS = ("action", "actor")


def search_audit(
    db: Database, scope: TenantScope, query_string: str | None, request: PageRequest
) -> Page[AuditEvent]:
    terms = parse_query_string(query_string, AUDIT_SEARCH_KEYS)
    with db.transaction() as session:
        return AuditLog(session, scope).search(
            request, action=terms.get("action"), actor=terms.get("actor")
        )
