"""Stalled scans: a scan whose worker or broker was lost ends failed, and resumable.

A scan that is queued or running, has had no unit finish for ``stall_seconds`` and for
which the runner holds no work (nothing queued, nothing running: its tasks were lost with
a Redis that kept nothing) waits for work nobody will do. It ends ``failed`` with its
pending units kept, so ``tether scan resume`` (or the API) finishes it; the next scheduled
or manual scan of the integration is no longer held back by it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update

from tether.metrics import scan_finished
from tether.services.scan_records import pending_units
from tether.store.db import Database
from tether.store.models import Scan, ScanUnit
from tether.store.types import utcnow

log = logging.getLogger(__name__)


def end_stalled_scans(
    db: Database,
    stall_seconds: float,
    now: datetime | None = None,
    held: Callable[[Collection[str]], set[str]] | None = None,
) -> list[str]:
    """End every tenant's stalled scans (Tether's own job); return their ids. ``held``
    names the quiet scans the runner still has work for: slow (queued behind others),
    not lost, so they are left alone."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=stall_seconds)
    last_unit = (
        select(ScanUnit.scan_id, func.max(ScanUnit.finished_at).label("last"))
        .group_by(ScanUnit.scan_id)
        .subquery()
    )
    with db.transaction() as session:
        rows = session.execute(
            select(Scan.id, Scan.status, Scan.queued_at, Scan.started_at, last_unit.c.last)
            .outerjoin(last_unit, last_unit.c.scan_id == Scan.id)
            .where(Scan.status.in_(("queued", "running")))
        ).all()
    quiet = {
        scan_id: status
        for scan_id, status, queued_at, started_at, last in rows
        if max(t for t in (queued_at, started_at, last) if t is not None) < cutoff
    }
    alive = held(quiet) if held is not None and quiet else set()
    return [
        scan_id
        for scan_id, status in quiet.items()
        if scan_id not in alive and _end(db, scan_id, status, stall_seconds, now)
    ]


def _end(db: Database, scan_id: str, seen: str, stall_seconds: float, now: datetime) -> bool:
    with db.transaction() as session:
        pending = pending_units(session, scan_id)
        reason = (
            f"stalled: nothing finished for {stall_seconds:.0f} s (a worker or the broker was "
            f"lost); {pending} units pending: `tether scan resume {scan_id}` finishes it"
        )
        result = session.execute(
            update(Scan)
            .where(Scan.id == scan_id, Scan.status == seen)  # unless it moved meanwhile
            .values(status="failed", finished_at=now, error=reason)
        )
        if not cast(CursorResult[Any], result).rowcount:
            return False
        scan = session.get(Scan, scan_id)
        assert scan is not None
        tenant_id, started = scan.tenant_id, scan.started_at
    scan_finished("failed", started, now)
    log.warning("scan %s of tenant %s %s", scan_id, tenant_id, reason)
    return True
