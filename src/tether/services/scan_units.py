"""Collecting a scan's pending units and recording each one exactly once.

A unit is recorded by one conditional UPDATE (pending -> its outcome) in the same
transaction as its inventory changes, so a unit collected twice (a task delivered again
after its worker died, a resumed scan) changes the inventory once; the second result is
dropped. The scan's counters are incremented in SQL, so writers in several processes lose
no update.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any, cast

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import CursorResult, select, update

from tether.aws.errors import classify
from tether.aws.sessions import AwsIdentity
from tether.catalog.registry import resource_type
from tether.discovery.inventory import apply_scope
from tether.discovery.units import GLOBAL, UNIT_STATUS, UnitOutcome, collect_unit
from tether.domain.profile_rules import profile_matches
from tether.domain.profiles import Policy
from tether.domain.resources import ResourceRecord
from tether.metrics import SCAN_UNITS
from tether.security.scoping import TenantScope
from tether.services.integration_access import identity_for
from tether.services.runtime import Runtime
from tether.store.models import Integration, Scan, ScanUnit
from tether.store.repositories.integrations import IntegrationRepository
from tether.store.repositories.profiles import ProfileRepository

log = logging.getLogger(__name__)

Keep = Callable[[ResourceRecord], bool]


def collect_pending(
    rt: Runtime, scope: TenantScope, scan_id: str, regions: set[str] | None = None
) -> int:
    """Collect the running scan's pending units (of ``regions``; default all) and record
    each as it ends; return how many this call recorded."""
    with rt.db.transaction() as session:
        scan = session.get(Scan, scan_id)
        if scan is None or scan.tenant_id != scope.tenant_id or scan.status != "running":
            return 0  # finished, ended as stalled, or not this tenant's
        query = select(ScanUnit.region, ScanUnit.resource_type).where(
            ScanUnit.scan_id == scan_id, ScanUnit.status == "pending"
        )
        if regions is not None:
            query = query.where(ScanUnit.region.in_(regions))
        pending = [(region, code) for region, code in session.execute(query).all()]
        integration = IntegrationRepository(session, scope).get(scan.integration_id)
        policies = [
            p.policy for p in ProfileRepository(session, scope).for_integration(integration.id)
        ]
    if not pending:
        return 0
    keep = profile_filter(policies)
    try:
        identity = identity_for(rt, scope, integration)
    except (ClientError, BotoCoreError) as error:
        # The account cannot be reached at all (trust revoked, keys deleted): every unit
        # ends with that cause rather than the scan waiting for units that never come.
        failure = classify(error)
        outcome = UnitOutcome(
            UNIT_STATUS.get(failure.kind, "failed"),
            error_code=failure.code or failure.kind.value,
            error=failure.reason,
        )
        return sum(
            record_unit(rt, scope, integration.id, scan_id, region, code, outcome, keep)
            for region, code in pending
        )
    return _collect(rt, scope, integration, scan_id, identity, pending, keep)


def _collect(
    rt: Runtime,
    scope: TenantScope,
    integration: Integration,
    scan_id: str,
    identity: AwsIdentity,
    pending: list[tuple[str, str]],
    keep: Keep,
) -> int:
    """Collect concurrently; record each result here, in this one thread, as it arrives."""
    assert integration.account_id is not None
    recorded = 0
    with ThreadPoolExecutor(
        max_workers=rt.settings.scan_concurrency, thread_name_prefix=f"scan-{scan_id[:8]}"
    ) as pool:
        futures: dict[Future[UnitOutcome], tuple[str, str]] = {}
        for region, code in pending:
            spec = resource_type(code)
            assert spec is not None, f"unit of unknown type {code}"
            future = pool.submit(
                collect_unit, identity, spec, integration.account_id, region, rt.limiter
            )
            futures[future] = (region, code)
        for future in as_completed(futures):
            region, code = futures[future]
            recorded += record_unit(
                rt, scope, integration.id, scan_id, region, code, future.result(), keep
            )
    return recorded


def profile_filter(policies: list[dict[str, Any]]) -> Keep:
    """A resource is kept when some discovery profile's rules match it."""
    models = [Policy.model_validate(policy) for policy in policies]
    return lambda record: any(profile_matches(model, record) for model in models)


def record_unit(
    rt: Runtime,
    scope: TenantScope,
    integration_id: str,
    scan_id: str,
    region: str,
    code: str,
    outcome: UnitOutcome,
    keep: Keep,
) -> bool:
    """Record a unit's outcome, and apply an ``ok`` unit's findings, in one transaction;
    False when the unit was already recorded (nothing changes twice)."""
    # The CPU work first: SQLite's write lock, taken by the first UPDATE, is held only for
    # the database work (other scans' writers wait for it).
    kept = [record for record in outcome.records if keep(record)]
    excluded = {record.arn for record in outcome.records} - {r.arn for r in kept}
    fingerprints = {record.arn: record.fingerprint for record in kept}
    with rt.db.transaction() as session:
        claimed = session.execute(
            update(ScanUnit)
            .where(
                ScanUnit.scan_id == scan_id,
                ScanUnit.region == region,
                ScanUnit.resource_type == code,
                ScanUnit.status == "pending",
            )
            .values(
                status=outcome.status,
                started_at=outcome.started_at,
                finished_at=outcome.finished_at,
                resources=len(outcome.records),
                api_calls=outcome.api_calls,
                error_code=outcome.error_code,
                error=outcome.error,
                action=outcome.action,
            )
        )
        if not cast(CursorResult[Any], claimed).rowcount:
            return False
        if outcome.status == "ok":
            apply_scope(
                session,
                scope,
                integration_id,
                None if region == GLOBAL else region,
                code,
                kept,
                scan_id,
                excluded=excluded,
                fingerprints=fingerprints,
            )
        session.execute(
            update(Scan)
            .where(Scan.id == scan_id)
            .values(
                units_done=Scan.units_done + 1,
                api_calls=Scan.api_calls + outcome.api_calls,
                resources_found=Scan.resources_found + len(outcome.records),
                throttles=Scan.throttles + outcome.throttles,
            )
        )
    SCAN_UNITS.labels(outcome.status).inc()
    if outcome.status not in ("ok", "skipped"):
        log.info(
            "scan %s unit %s/%s ended %s: %s", scan_id, region, code, outcome.status,
            outcome.error,
        )  # fmt: skip
    return True
