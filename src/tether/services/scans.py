"""Scans: started by a person, the API or the schedule; run by a runner; recorded per unit.

A scan of an integration is planned as units, one per (region, resource type) its
discovery profiles select; each unit ends ok, skipped, denied, throttled or failed, and
only an ``ok`` unit changes its scope of the inventory (no false deletions).

The steps are services any runner calls: ``sync_organization`` (a scan of an account
that follows its AWS Organization), ``begin_scan`` (claim and plan), ``collect_pending``
(all units in-process, or one region's on a worker) and ``finish_if_complete``. Each is
idempotent, so a step delivered twice changes nothing twice.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any, Protocol, cast

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from tether.aws.errors import classify
from tether.errors import Conflict, NotFound, TetherError
from tether.metrics import SCAN_UNITS, scan_finished
from tether.security.scoping import TenantScope
from tether.services.integration_access import identity_for, parent_credential
from tether.services.linked_accounts import sync_linked_accounts
from tether.services.runtime import Runtime
from tether.services.scan_plan import plan_units
from tether.services.scan_records import is_resumable, pending_units
from tether.services.scan_units import collect_pending
from tether.store.db import Database
from tether.store.models import DiscoveryProfile, Integration, Resource, Scan, ScanUnit
from tether.store.repositories.integrations import IntegrationRepository
from tether.store.repositories.profiles import ProfileRepository
from tether.store.types import utcnow

log = logging.getLogger(__name__)


class ScanRunner(Protocol):
    """Where started scans run: threads of this process, or Celery workers."""

    def submit(self, tenant_id: str, scan_id: str) -> None:
        """Run a queued scan from its start."""

    def resume(self, tenant_id: str, scan_id: str) -> None:
        """Collect a running scan's pending units (it was resumed)."""


# The most recent runner in use wins; a process has one, tests build several apps at once.
_runners: list[ScanRunner] = []


def use_runner(runner: ScanRunner) -> None:
    """Where started scans go from now on (set at app start and worker start)."""
    _runners.append(runner)


def stop_using(runner: ScanRunner) -> None:
    """``runner`` is shutting down: scans go to the one in use before it (if any)."""
    if runner in _runners:
        _runners.remove(runner)


def _runner() -> ScanRunner | None:
    return _runners[-1] if _runners else None


def start_scan(
    db: Database, scope: TenantScope, integration_id: str, trigger: str, requested_by: str
) -> Scan:
    """Record a queued scan of an enabled integration and hand it to the runner."""
    with db.transaction() as session:
        integration = IntegrationRepository(session, scope).get(integration_id)
        _require_scannable(integration)
        pending = session.scalars(
            select(Scan).where(
                Scan.tenant_id == scope.tenant_id,
                Scan.integration_id == integration_id,
                Scan.status.in_(("queued", "running")),
            )
        ).first()
        if pending is not None:
            return pending  # one scan at a time per integration; a second ask joins it
        scan = Scan(
            id=str(uuid.uuid4()),
            tenant_id=scope.tenant_id,
            integration_id=integration_id,
            trigger=trigger,
            requested_by=requested_by,
        )
        session.add(scan)
    runner = _runner()
    if runner is not None:
        runner.submit(scope.tenant_id, scan.id)
    return scan


def resume_scan(db: Database, scope: TenantScope, scan_id: str) -> Scan:
    """Resume a scan that ended failed with units never collected (its worker or broker was
    lost): it runs again from where it stopped; the units already recorded stay."""
    with db.transaction() as session:
        scan = session.get(Scan, scan_id)
        if scan is None or scan.tenant_id != scope.tenant_id:
            raise NotFound(f"scan {scan_id} not found", code="scan_not_found")
        pending, total = pending_units(session, scan_id), scan.units_total
        if not is_resumable(scan, pending):
            raise Conflict(
                f"scan {scan_id} is {scan.status} with {pending} units pending: "
                "only a failed scan with pending units resumes",
                code="scan_not_resumable",
            )
        integration = IntegrationRepository(session, scope).get(scan.integration_id)
        _require_scannable(integration)
        # Never planned (lost before it began): it starts again; else it goes on.
        scan.status = "running" if total else "queued"
        scan.finished_at, scan.error = None, None  # the stall it ended with is over
        # Queued again: the stall watchdog's clock starts over, or it could end the scan
        # again before its chunks reach the broker.
        scan.queued_at = utcnow()
    runner = _runner()
    if runner is not None:
        (runner.resume if total else runner.submit)(scope.tenant_id, scan_id)
    return scan


def pending_regions(rt: Runtime, scope: TenantScope, scan_id: str) -> list[str]:
    """The regions (and "global") where a running scan still has units to collect."""
    with rt.db.transaction() as session:
        scan = session.get(Scan, scan_id)
        if scan is None or scan.tenant_id != scope.tenant_id or scan.status != "running":
            return []
        regions = session.scalars(
            select(ScanUnit.region)
            .where(ScanUnit.scan_id == scan_id, ScanUnit.status == "pending")
            .distinct()
        ).all()
    return sorted(regions)


def _require_scannable(integration: Integration) -> None:
    if integration.status != "enabled":
        raise Conflict(
            f"integration {integration.id} is {integration.status}: no scans",
            code=f"integration_{integration.status}",
        )
    if integration.org_status not in (None, "ACTIVE"):
        raise Conflict(
            f"account {integration.account_id} is {integration.org_status} in the Organization",
            code="account_not_active",
        )


def run_scan(rt: Runtime, scope: TenantScope, scan_id: str) -> Scan:
    """Run a queued scan to its end in this process; every outcome is recorded on the scan,
    never raised. A scan handed over twice runs once."""
    sync_organization(rt, scope, scan_id)
    if begin_scan(rt, scope, scan_id) is not None:
        collect_pending(rt, scope, scan_id)
        finish_if_complete(rt, scope, scan_id)
    return _scan(rt, scan_id)


def sync_organization(rt: Runtime, scope: TenantScope, scan_id: str) -> None:
    """Before a queued scan of an account that installs all linked accounts: follow its
    AWS Organization (accounts that joined or left); what changed is noted on the scan."""
    with rt.db.transaction() as session:
        scan = session.get(Scan, scan_id)
        if scan is None or scan.tenant_id != scope.tenant_id or scan.status != "queued":
            return
        integration = IntegrationRepository(session, scope).get(scan.integration_id)
    if not integration.install_all_linked:
        return
    try:
        holder, credential = parent_credential(rt, scope, integration)
        identity = identity_for(rt, scope, integration)
        synced = sync_linked_accounts(rt, scope, holder, identity, credential)
    except (ClientError, BotoCoreError) as error:
        note = f"organization sync failed: {classify(error).reason}"
    except TetherError as error:
        note = f"organization sync failed: {error.message} ({error.code})"
    else:
        if not (synced.added or synced.failed or synced.status_changed):
            return
        note = (
            f"organization sync: {len(synced.added)} added, {len(synced.failed)} failed, "
            f"{len(synced.status_changed)} changed status"
        )
    with rt.db.transaction() as session:
        session.execute(update(Scan).where(Scan.id == scan_id).values(error=note))


def begin_scan(rt: Runtime, scope: TenantScope, scan_id: str) -> list[str] | None:
    """Claim a queued scan (queued -> running, atomically) and plan its units; return the
    regions with units to collect. ``None``: the scan ended here (no account access) or
    another delivery of this step planned it already and finds nothing left to hand out."""
    with rt.db.transaction() as session:
        result = session.execute(
            update(Scan)
            .where(Scan.id == scan_id, Scan.tenant_id == scope.tenant_id, Scan.status == "queued")
            .values(status="running", started_at=utcnow())
        )
        claimed = cast(CursorResult[Any], result).rowcount
        if claimed:
            integration = IntegrationRepository(session, scope).get(
                _scan_of(session, scan_id).integration_id
            )
            integration.last_scan_id = scan_id
    if not claimed:
        # Delivered again after the first delivery's worker died: hand out what is left.
        return pending_regions(rt, scope, scan_id) or None
    try:
        _inherit_profiles(rt, scope, integration)
        identity = identity_for(rt, scope, integration)
    except (ClientError, BotoCoreError) as error:
        finish_scan(
            rt, scope, scan_id, "failed", f"cannot reach the account: {classify(error).reason}"
        )
        return None
    except TetherError as error:
        finish_scan(rt, scope, scan_id, "failed", f"{error.message} ({error.code})")
        return None
    with rt.db.transaction() as session:
        policies = [
            p.policy for p in ProfileRepository(session, scope).for_integration(integration.id)
        ]
    units = plan_units(integration, policies, identity)
    now = utcnow()
    with rt.db.transaction() as session:
        for unit in units:
            skipped = unit.skip_reason is not None
            session.add(
                ScanUnit(
                    tenant_id=scope.tenant_id,
                    scan_id=scan_id,
                    account_id=integration.account_id,
                    region=unit.region,
                    resource_type=unit.spec_code,
                    # Known before any call: recorded now, never collected.
                    status="skipped" if skipped else "pending",
                    error_code="not_offered" if skipped else None,
                    error=unit.skip_reason,
                    started_at=now if skipped else None,
                    finished_at=now if skipped else None,
                )
            )
        skipped_count = sum(1 for unit in units if unit.skip_reason is not None)
        session.execute(
            update(Scan)
            .where(Scan.id == scan_id)
            .values(units_total=len(units), units_done=Scan.units_done + skipped_count)
        )
    if skipped_count:
        SCAN_UNITS.labels("skipped").inc(skipped_count)
    regions = sorted({unit.region for unit in units if unit.skip_reason is None})
    if not regions:
        finish_if_complete(rt, scope, scan_id)
        return None
    return regions


def finish_if_complete(rt: Runtime, scope: TenantScope, scan_id: str) -> Scan | None:
    """End a running scan whose units are all recorded: ``ok``, ``partial`` or ``failed``
    by its units' outcomes. Of several callers at once, one ends it; the others get None."""
    with rt.db.transaction() as session:
        if pending_units(session, scan_id):
            return None
        statuses = dict(
            session.execute(
                select(ScanUnit.status, func.count())
                .where(ScanUnit.scan_id == scan_id)
                .group_by(ScanUnit.status)
            ).all()
        )
    healthy = statuses.get("ok", 0)
    problems = sum(n for status, n in statuses.items() if status not in ("ok", "skipped"))
    status = "ok" if not problems else ("partial" if healthy else "failed")
    with rt.db.transaction() as session:
        ended = session.execute(
            update(Scan)
            .where(Scan.id == scan_id, Scan.tenant_id == scope.tenant_id, Scan.status == "running")
            .values(status=status, finished_at=utcnow())
        )
        if not cast(CursorResult[Any], ended).rowcount:
            return None
        scan = session.get(Scan, scan_id)
        assert scan is not None
        integration = IntegrationRepository(session, scope).get(scan.integration_id)
    purged = purge_expired(rt.db, scope, integration)
    if purged:
        note = f"{purged} deleted resources past their retention removed"
        with rt.db.transaction() as session:
            row = session.get(Scan, scan_id)
            assert row is not None
            row.error = "; ".join(filter(None, [row.error, note]))
    done = _scan(rt, scan_id)
    scan_finished(status, done.started_at, done.finished_at or utcnow())
    log.info("scan %s of tenant %s ended %s", scan_id, scope.tenant_id, status)
    return done


def _scan(rt: Runtime, scan_id: str) -> Scan:
    with rt.db.transaction() as session:
        return _scan_of(session, scan_id)


def _scan_of(session: Session, scan_id: str) -> Scan:
    scan = session.get(Scan, scan_id)
    assert scan is not None, f"scan {scan_id} exists"
    return scan


def purge_expired(db: Database, scope: TenantScope, integration: Integration) -> int:
    """Remove resources deleted longer ago than the integration's retention period (their
    history goes with them)."""
    cutoff = utcnow() - timedelta(days=integration.retention_days)
    with db.transaction() as session:
        result = session.execute(
            delete(Resource).where(
                Resource.tenant_id == scope.tenant_id,
                Resource.integration_id == integration.id,
                Resource.deleted_at.is_not(None),
                Resource.deleted_at < cutoff,
            )
        )
        return cast(CursorResult[Any], result).rowcount


def finish_scan(
    rt: Runtime, scope: TenantScope, scan_id: str, status: str, error: str | None
) -> Scan:
    """End a scan now with ``status`` (its units still pending stay so: it can resume)."""
    with rt.db.transaction() as session:
        scan = session.get(Scan, scan_id)
        assert scan is not None
        scan.status, scan.finished_at = status, utcnow()
        scan.error = "; ".join(filter(None, [scan.error, error]))
    scan_finished(status, scan.started_at, scan.finished_at)
    log.info("scan %s of tenant %s ended %s", scan_id, scope.tenant_id, status)
    return scan


def _inherit_profiles(rt: Runtime, scope: TenantScope, integration: Integration) -> None:
    """The seed: at a linked child's first scan, the parent's discovery profiles apply to
    it; from then on the child's profiles are its own."""
    if integration.parent_id is None or integration.profiles_inherited:
        return
    with rt.db.transaction() as session:
        parent_profiles = ProfileRepository(session, scope).for_integration(integration.parent_id)
        for profile in parent_profiles:
            session.add(
                DiscoveryProfile(
                    tenant_id=scope.tenant_id,
                    integration_id=integration.id,
                    name=profile.name,
                    credential_set=profile.credential_set,
                    policy=dict(profile.policy),
                    schedule=dict(profile.schedule) if profile.schedule else None,
                    inherited_from=profile.id,
                    next_run_at=profile.next_run_at,
                )
            )
        child = IntegrationRepository(session, scope).get(integration.id)
        child.profiles_inherited = True
