"""The list of installed integrations as the console shows it: a page of a client's
top-level integrations, each with its linked accounts and its last scan.

Read in three queries per page whatever the number of linked accounts, where the
per-integration view would load (and decrypt) a credential and query profiles per row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from tether.domain.tenancy import TenantKind
from tether.errors import NotFound
from tether.security.scoping import TenantScope
from tether.services.runtime import Runtime
from tether.store.models import Integration, Scan
from tether.store.paging import Page, PageRequest
from tether.store.repositories.integrations import IntegrationFilter, IntegrationRepository


@dataclass(frozen=True, slots=True)
class Listed:
    integration: Integration
    last_scan: Scan | None
    linked: list[Listed] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class InstalledPage:
    rows: list[Listed]
    page: Page[Integration]


def installed(rt: Runtime, scope: TenantScope, request: PageRequest) -> InstalledPage:
    """A page of the client's integrations that have no parent, sorted by name; their
    linked accounts (by account number) come with them, whatever their number."""
    if scope.tenant_kind is not TenantKind.CLIENT:
        raise NotFound("integrations are installed in client tenants", code="not_a_client")
    with rt.db.transaction() as session:
        page = IntegrationRepository(session, scope).search(
            IntegrationFilter(top_level_only=True), request
        )
        parent_ids = [integration.id for integration in page.items]
        children = session.scalars(
            select(Integration)
            .where(Integration.tenant_id == scope.tenant_id, Integration.parent_id.in_(parent_ids))
            .order_by(Integration.account_id, Integration.id)
        ).all()
        scan_ids = {i.last_scan_id for i in [*page.items, *children] if i.last_scan_id}
        scans = {
            scan.id: scan
            for scan in session.scalars(
                select(Scan).where(Scan.tenant_id == scope.tenant_id, Scan.id.in_(scan_ids))
            )
        }
    by_parent: dict[str, list[Listed]] = defaultdict(list)
    for child in children:
        assert child.parent_id is not None
        by_parent[child.parent_id].append(Listed(child, scans.get(child.last_scan_id or "")))
    rows = [
        Listed(parent, scans.get(parent.last_scan_id or ""), by_parent[parent.id])
        for parent in page.items
    ]
    return InstalledPage(rows=rows, page=page)
