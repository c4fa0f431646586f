"""Scans: started by a person, the API or the schedule; run by a runner; recorded per unit.

A scan of an integration is planned as units, one per (region, resource type) its
discovery profiles select; each unit ends ok, skipped, denied, throttled or failed, and
only an ``ok`` unit changes its scope of the inventory (no false deletions).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import CursorResult, delete, select, update

from tether.aws.errors import classify
from tether.aws.sessions import AwsIdentity
from tether.catalog.registry import RESOURCE_TYPES, resource_type
from tether.discovery.inventory import apply_scope
from tether.discovery.units import GLOBAL, UnitOutcome, collect_unit
from tether.domain.profile_rules import ALL, profile_matches, selected_types
from tether.domain.profiles import Policy
from tether.domain.resources import ResourceRecord
from tether.errors import Conflict, TetherError
from tether.metrics import SCAN_UNITS, scan_finished
from tether.security.scoping import TenantScope
from tether.services.integration_access import identity_for, parent_credential
from tether.services.linked_accounts import sync_linked_accounts
from tether.services.runtime import Runtime
from tether.store.db import Database
from tether.store.models import DiscoveryProfile, Integration, Resource, Scan, ScanUnit
from tether.store.repositories.integrations import IntegrationRepository
from tether.store.repositories.profiles import ProfileRepository
from tether.store.types import utcnow

log = logging.getLogger(__name__)


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
    region: str  # or "global"
    spec_code: str
    skip_reason: str | None = None  # known before any call: the service is not offered there


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
    with rt.db.transaction() as session:
        policies = [
            p.policy for p in ProfileRepository(session, scope).for_integration(integration.id)
        ]
    units = _plan(integration, policies, identity)
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
    statuses = _run_units(rt, scope, integration, scan_id, identity, units, policies)
    problems = sum(1 for status in statuses if status not in ("ok", "skipped"))
    healthy = sum(1 for status in statuses if status == "ok")
    status = "ok" if not problems else ("partial" if healthy else "failed")
    purged = purge_expired(rt.db, scope, integration)
    if purged:
        notes.append(f"{purged} deleted resources past their retention removed")
    return finish_scan(rt, scope, scan_id, status, "; ".join(notes) or None)


def _plan(
    integration: Integration, policies: list[dict[str, Any]], identity: AwsIdentity
) -> list[Unit]:
    """One unit per (region, selected type); global types once, in region "global"."""
    # No profile selects nothing: the user removed them all (install creates one).
    wanted = selected_type_codes(policies)
    units: list[Unit] = []
    offered: dict[str, set[str]] = {}
    for spec in RESOURCE_TYPES:
        if wanted is not None and spec.type_code not in wanted:
            continue  # no rule selects it: not collected at all
        if spec.service.is_global:
            units.append(Unit(GLOBAL, spec.type_code))
            continue
        client_name = spec.service.client_name
        if client_name not in offered:
            offered[client_name] = set(identity.session.get_available_regions(client_name))
        for region in integration.regions:
            # botocore's endpoint data knows which regions offer a service; a region it
            # does not know at all (newer than botocore) is tried.
            absent = offered[client_name] and region not in offered[client_name]
            reason = f"{spec.service.title} is not offered in {region}" if absent else None
            units.append(Unit(region, spec.type_code, reason))
    return units


def selected_type_codes(policies: list[dict[str, Any]]) -> set[str] | None:
    """The type codes the profiles' rules select; None means every type."""
    chosen = selected_types(policies)
    return None if chosen is ALL else set(chosen)


def _run_units(
    rt: Runtime,
    scope: TenantScope,
    integration: Integration,
    scan_id: str,
    identity: AwsIdentity,
    units: list[Unit],
    policies: list[dict[str, Any]],
) -> list[str]:
    """Collect the units concurrently; apply each result here, in this one thread, as it
    arrives (one writer per scan: no lost updates of the scan's counters)."""
    assert integration.account_id is not None
    account_id = integration.account_id
    statuses: list[str] = []
    keep = _profile_filter(policies)
    with ThreadPoolExecutor(
        max_workers=rt.settings.scan_concurrency, thread_name_prefix=f"scan-{scan_id[:8]}"
    ) as pool:
        pending: dict[Future[UnitOutcome], Unit] = {}
        for unit in units:
            if unit.skip_reason is not None:
                skipped = UnitOutcome("skipped", error_code="not_offered", error=unit.skip_reason)
                statuses.append(
                    _record_unit(rt, scope, integration.id, scan_id, unit, skipped, keep)
                )
                continue
            spec = resource_type(unit.spec_code)
            assert spec is not None
            future = pool.submit(collect_unit, identity, spec, account_id, unit.region, rt.limiter)
            pending[future] = unit
        for future in as_completed(pending):
            unit = pending[future]
            statuses.append(
                _record_unit(rt, scope, integration.id, scan_id, unit, future.result(), keep)
            )
    return statuses


Keep = Callable[[ResourceRecord], bool]


def _profile_filter(policies: list[dict[str, Any]]) -> Keep:
    """A resource is kept when some discovery profile's rules match it."""
    models = [Policy.model_validate(policy) for policy in policies]
    return lambda record: any(profile_matches(model, record) for model in models)


def _record_unit(
    rt: Runtime,
    scope: TenantScope,
    integration_id: str,
    scan_id: str,
    unit: Unit,
    outcome: UnitOutcome,
    keep: Keep,
) -> str:
    """Apply an ``ok`` unit's findings and record the unit, in one transaction."""
    SCAN_UNITS.labels(outcome.status).inc()
    with rt.db.transaction() as session:
        if outcome.status == "ok":
            kept = [record for record in outcome.records if keep(record)]
            excluded = {record.arn for record in outcome.records} - {r.arn for r in kept}
            apply_scope(
                session,
                scope,
                integration_id,
                None if unit.region == GLOBAL else unit.region,
                unit.spec_code,
                kept,
                scan_id,
                excluded=excluded,
            )
        row = session.scalars(
            select(ScanUnit).where(
                ScanUnit.scan_id == scan_id,
                ScanUnit.region == unit.region,
                ScanUnit.resource_type == unit.spec_code,
            )
        ).one()
        row.status, row.started_at, row.finished_at = (
            outcome.status,
            outcome.started_at,
            outcome.finished_at,
        )
        row.resources, row.api_calls = len(outcome.records), outcome.api_calls
        row.error_code, row.error, row.action = outcome.error_code, outcome.error, outcome.action
        scan = session.get(Scan, scan_id)
        assert scan is not None
        scan.units_done += 1
        scan.api_calls += outcome.api_calls
        scan.resources_found += len(outcome.records)
        scan.throttles += outcome.throttles
    if outcome.status not in ("ok", "skipped"):
        log.info(
            "scan %s unit %s/%s ended %s: %s", scan_id, unit.region, unit.spec_code,
            outcome.status, outcome.error,
        )  # fmt: skip
    return outcome.status


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
    with rt.db.transaction() as session:
        scan = session.get(Scan, scan_id)
        assert scan is not None
        scan.status, scan.finished_at, scan.error = status, utcnow(), error
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
