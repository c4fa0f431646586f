"""Read-only views of an integration's scans: recent history, one scan with its units, the
scan in progress. Every read is confined to the scope's tenant and to the integration."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tether.errors import NotFound
from tether.security.scoping import TenantScope
from tether.store.db import Database
from tether.store.models import Scan, ScanUnit
from tether.store.repositories.integrations import IntegrationRepository

ACTIVE = ("queued", "running")


def is_resumable(scan: Scan, pending: int) -> bool:
    """Failed with units never collected (its worker or the broker was lost), or failed
    before it was planned: a resume runs what is missing."""
    return scan.status == "failed" and (pending > 0 or not scan.units_total)


def pending_units(session: Session, scan_id: str) -> int:
    """How many of the scan's units are still to be collected."""
    counted = session.scalar(
        select(func.count()).where(ScanUnit.scan_id == scan_id, ScanUnit.status == "pending")
    )
    return counted or 0


@dataclass(frozen=True, slots=True)
class ScanRecord:
    scan: Scan
    # Units by outcome: ok, skipped, denied, throttled, failed, pending.
    unit_counts: dict[str, int] = field(default_factory=dict)

    @property
    def resumable(self) -> bool:
        return is_resumable(self.scan, self.unit_counts.get("pending", 0))

    @property
    def units_ok(self) -> int:
        return self.unit_counts.get("ok", 0)

    @property
    def duration(self) -> timedelta | None:
        started, finished = self.scan.started_at, self.scan.finished_at
        return finished - started if started and finished else None

    @property
    def active(self) -> bool:
        return self.scan.status in ACTIVE


def _unit_counts(
    session: Session, scope: TenantScope, scan_ids: list[str]
) -> dict[str, Counter[str]]:
    """Units by outcome of each scan, counted in the database."""
    counts: dict[str, Counter[str]] = {scan_id: Counter() for scan_id in scan_ids}
    if scan_ids:
        rows = session.execute(
            select(ScanUnit.scan_id, ScanUnit.status, func.count())
            .where(ScanUnit.tenant_id == scope.tenant_id, ScanUnit.scan_id.in_(scan_ids))
            .group_by(ScanUnit.scan_id, ScanUnit.status)
        ).all()
        for scan_id, status, count in rows:
            counts[scan_id][status] += count
    return counts


def recent_scans(
    db: Database, scope: TenantScope, integration_id: str, limit: int = 20
) -> list[ScanRecord]:
    """The integration's latest scans, newest first, with their unit outcomes counted."""
    with db.transaction() as session:
        IntegrationRepository(session, scope).get(integration_id)
        scans = session.scalars(
            select(Scan)
            .where(Scan.tenant_id == scope.tenant_id, Scan.integration_id == integration_id)
            .order_by(Scan.queued_at.desc())
            .limit(limit)
        ).all()
        counts = _unit_counts(session, scope, [scan.id for scan in scans])
    return [ScanRecord(scan, dict(counts[scan.id])) for scan in scans]


def _scan(session: Session, scope: TenantScope, scan_id: str, integration_id: str | None) -> Scan:
    query = select(Scan).where(Scan.tenant_id == scope.tenant_id, Scan.id == scan_id)
    if integration_id is not None:
        IntegrationRepository(session, scope).get(integration_id)
        query = query.where(Scan.integration_id == integration_id)
    scan = session.scalars(query).first()
    if scan is None:
        raise NotFound(f"scan {scan_id} not found", code="scan_not_found")
    return scan


def scan_of(db: Database, scope: TenantScope, integration_id: str, scan_id: str) -> ScanRecord:
    """One scan of the integration (``NotFound`` for any other), with unit counts (the live
    progress asks every second: the units are counted, not loaded)."""
    with db.transaction() as session:
        scan = _scan(session, scope, scan_id, integration_id)
        return ScanRecord(scan, dict(_unit_counts(session, scope, [scan_id])[scan_id]))


def scan_with_units(
    db: Database, scope: TenantScope, scan_id: str, integration_id: str | None = None
) -> tuple[Scan, list[ScanUnit]]:
    """A scan of the scope's tenant (of ``integration_id`` when given) and its units."""
    with db.transaction() as session:
        scan = _scan(session, scope, scan_id, integration_id)
        units = session.scalars(
            select(ScanUnit)
            .where(ScanUnit.tenant_id == scope.tenant_id, ScanUnit.scan_id == scan_id)
            .order_by(ScanUnit.region, ScanUnit.resource_type)
        ).all()
    return scan, list(units)


def active_scan(db: Database, scope: TenantScope, integration_id: str) -> Scan | None:
    """The integration's queued or running scan, if any (there is at most one)."""
    with db.transaction() as session:
        return session.scalars(
            select(Scan).where(
                Scan.tenant_id == scope.tenant_id,
                Scan.integration_id == integration_id,
                Scan.status.in_(ACTIVE),
            )
        ).first()
