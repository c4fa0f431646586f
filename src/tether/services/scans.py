"""Scans: started by a person, the API or the schedule; run by a runner; recorded per unit.

A scan of an integration is planned as units, one per (region, resource type) its
discovery profiles select; each unit ends ok, skipped, denied, throttled or failed, and
only an ``ok`` unit changes its scope of the inventory (no false deletions).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import CursorResult, select, update

from tether.aws.errors import AwsFailure, FailureKind, classify
from tether.aws.sessions import AwsIdentity
from tether.catalog.base import Where
from tether.catalog.registry import RESOURCE_TYPES, resource_type
from tether.discovery.collector import collect
from tether.discovery.inventory import apply_scope
from tether.domain.profile_rules import ALL, selected_types
from tether.errors import Conflict, TetherError
from tether.security.scoping import TenantScope
from tether.services.integration_access import identity_for, parent_credential
from tether.services.linked_accounts import sync_linked_accounts
from tether.services.runtime import Runtime
from tether.store.db import Database
from tether.store.models import DiscoveryProfile, Integration, Scan, ScanUnit
from tether.store.repositories.integrations import IntegrationRepository
from tether.store.repositories.profiles import ProfileRepository
from tether.store.types import utcnow

log = logging.getLogger(__name__)

UNIT_STATUS = {
    FailureKind.ACCESS_DENIED: "denied",
    FailureKind.DENIED_BY_SCP: "denied",
    FailureKind.REGION_DISABLED: "skipped",
    FailureKind.STS_REGION_DISABLED: "skipped",
    FailureKind.NOT_AVAILABLE: "skipped",
    FailureKind.THROTTLED: "throttled",
}

Submit = Callable[[str, str], None]  # (tenant id, scan id)
_submit: Submit | None = None


def use_runner(submit: Submit | None) -> None:
    """Where started scans go: an in-process pool by default, workers later."""
    global _submit
    _submit = submit


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
    if _submit is not None:
        _submit(scope.tenant_id, scan.id)
    return scan


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


@dataclass(frozen=True, slots=True)
class Unit:
    region: str
    spec_code: str


def run_scan(rt: Runtime, scope: TenantScope, scan_id: str) -> Scan:
    """Run a queued scan to its end; every outcome is recorded on the scan, never raised.

    Claiming the scan is atomic (queued -> running), so a scan handed over twice runs once.
    """
    with rt.db.transaction() as session:
        result = session.execute(
            update(Scan)
            .where(Scan.id == scan_id, Scan.tenant_id == scope.tenant_id, Scan.status == "queued")
            .values(status="running", started_at=utcnow())
        )
        claimed = cast(CursorResult[Any], result).rowcount
        scan = session.get(Scan, scan_id)
        assert scan is not None
        if not claimed:
            return scan  # already run, or running elsewhere
        integration = IntegrationRepository(session, scope).get(scan.integration_id)
        integration.last_scan_id = scan_id
    try:
        return _run_claimed(rt, scope, scan_id, integration)
    except TetherError as error:
        return finish_scan(rt, scope, scan_id, "failed", f"{error.message} ({error.code})")


def _run_claimed(rt: Runtime, scope: TenantScope, scan_id: str, integration: Integration) -> Scan:
    notes: list[str] = []
    try:
        _inherit_profiles(rt, scope, integration)
        identity = identity_for(rt, scope, integration)
        if integration.install_all_linked:
            holder, credential = parent_credential(rt, scope, integration)
            try:
                synced = sync_linked_accounts(rt, scope, holder, identity, credential)
                if synced.added or synced.failed or synced.status_changed:
                    notes.append(
                        f"organization sync: {len(synced.added)} added, {len(synced.failed)} "
                        f"failed, {len(synced.status_changed)} changed status"
                    )
            except (ClientError, BotoCoreError) as error:
                notes.append(f"organization sync failed: {classify(error).reason}")
    except (ClientError, BotoCoreError) as error:
        return finish_scan(
            rt, scope, scan_id, "failed", f"cannot reach the account: {classify(error).reason}"
        )
    units = _plan(rt, scope, integration)
    with rt.db.transaction() as session:
        scan = session.get(Scan, scan_id)
        assert scan is not None
        scan.units_total = len(units)
        for unit in units:
            session.add(
                ScanUnit(
                    tenant_id=scope.tenant_id,
                    scan_id=scan_id,
                    account_id=integration.account_id,
                    region=unit.region,
                    resource_type=unit.spec_code,
                )
            )
    outcomes = [_run_unit(rt, scope, integration, scan_id, identity, unit) for unit in units]
    ok = sum(1 for outcome in outcomes if outcome == "ok")
    status = "ok" if ok == len(units) else ("partial" if ok else "failed")
    return finish_scan(rt, scope, scan_id, status, "; ".join(notes) or None)


def _plan(rt: Runtime, scope: TenantScope, integration: Integration) -> list[Unit]:
    with rt.db.transaction() as session:
        profiles = ProfileRepository(session, scope).for_integration(integration.id)
    # No profile selects nothing: the user removed them all (install creates one).
    wanted = selected_type_codes([p.policy for p in profiles])
    units: list[Unit] = []
    for spec in RESOURCE_TYPES:
        if wanted is not None and spec.type_code not in wanted:
            continue  # no rule selects it: not collected at all
        regions = ["global"] if spec.service.is_global else integration.regions
        units.extend(Unit(region, spec.type_code) for region in regions)
    return units


def selected_type_codes(policies: list[dict[str, Any]]) -> set[str] | None:
    """The type codes the profiles' rules select; None means every type."""
    chosen = selected_types(policies)
    return None if chosen is ALL else set(chosen)


def _run_unit(
    rt: Runtime,
    scope: TenantScope,
    integration: Integration,
    scan_id: str,
    identity: AwsIdentity,
    unit: Unit,
) -> str:
    spec = resource_type(unit.spec_code)
    assert spec is not None
    assert integration.account_id is not None
    region = "us-east-1" if unit.region == "global" else unit.region
    started = utcnow()
    failure: AwsFailure | None = None
    calls = found = 0
    try:
        collected = collect(identity, spec, Where("aws", integration.account_id, region))
        calls, found = collected.api_calls, len(collected.records)
        with rt.db.transaction() as session:
            apply_scope(
                session,
                scope,
                integration.id,
                unit.region,
                spec.type_code,
                collected.records,
                scan_id,
            )
    except (ClientError, BotoCoreError) as error:
        failure = classify(error)
    status = "ok" if failure is None else UNIT_STATUS.get(failure.kind, "failed")
    with rt.db.transaction() as session:
        row = session.scalars(
            select(ScanUnit).where(
                ScanUnit.scan_id == scan_id,
                ScanUnit.region == unit.region,
                ScanUnit.resource_type == unit.spec_code,
            )
        ).one()
        row.status, row.started_at, row.finished_at = status, started, utcnow()
        row.resources, row.api_calls = found, calls
        if failure is not None:
            row.error_code, row.error = failure.code, failure.reason
            row.action = spec.list_call.action(spec.service.iam_prefix) if failure.denied else None
        scan = session.get(Scan, scan_id)
        assert scan is not None
        scan.units_done += 1
        scan.api_calls += calls
        scan.resources_found += found
        scan.throttles += 1 if status == "throttled" else 0
    return status


def finish_scan(
    rt: Runtime, scope: TenantScope, scan_id: str, status: str, error: str | None
) -> Scan:
    with rt.db.transaction() as session:
        scan = session.get(Scan, scan_id)
        assert scan is not None
        scan.status, scan.finished_at, scan.error = status, utcnow(), error
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
