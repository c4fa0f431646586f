"""The steps of a scan are idempotent: each delivered twice changes nothing twice, a
stalled scan ends failed and resumable, and resuming it finishes it. On both databases."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.app import Api, make_api
from tests.support.org_scans import creations, install_org, inventory, set_rules
from tether.discovery.units import UnitOutcome
from tether.emulator import EmulatedOrganization, FaultProxy
from tether.security.scoping import TenantScope, system_scope
from tether.services import scans
from tether.services.runtime import Runtime
from tether.services.scan_units import collect_pending, profile_filter, record_unit
from tether.services.scan_watch import end_stalled_scans
from tether.store.db import Database
from tether.store.models import ResourceChange, Scan, ScanUnit
from tether.store.repositories.tenants import TenantDirectory
from tether.store.types import utcnow

TYPES = ["AWS_VPC", "SQS"]


class Held:
    """A runner that runs nothing: the test delivers every step itself."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, tenant_id: str, scan_id: str) -> None:
        self.submitted.append(scan_id)

    def resume(self, tenant_id: str, scan_id: str) -> None:
        self.submitted.append(scan_id)


@pytest.fixture
def held_api(
    database: Database, tmp_path: Path, fault_proxy: FaultProxy
) -> Iterator[tuple[Api, Held]]:
    overrides = {"aws_endpoint_url": fault_proxy.endpoint_url, "iam_propagation_seconds": 0.5}
    with contextmanager(make_api)(database, tmp_path, **overrides) as api:
        held = Held()
        scans.use_runner(held)
        try:
            yield api, held
        finally:
            scans.stop_using(held)


def _scope(db: Database, tenant_id: str) -> TenantScope:
    with db.transaction() as session:
        ref = TenantDirectory(session).ref(tenant_id)
    assert ref is not None
    return system_scope(ref)


def _history(db: Database, scan_id: str) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).where(ResourceChange.scan_id == scan_id)) or 0


def _scan(db: Database, scan_id: str) -> Scan:
    with db.transaction() as session:
        row = session.get(Scan, scan_id)
        assert row is not None
        return row


def test_every_step_delivered_twice_changes_nothing_twice_and_a_stalled_scan_resumes(
    held_api: tuple[Api, Held], catalog_org: EmulatedOrganization
) -> None:
    api, held = held_api
    db = api.db
    rt: Runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    installed = install_org(api, catalog_org, "Steps", linked=False)
    client_id = installed["client"]
    set_rules(api, client_id, [{"filterType": code} for code in TYPES])
    scope = _scope(db, client_id)
    scan = scans.start_scan(db, scope, installed[catalog_org.management_account_id], "api", "t")
    assert held.submitted == [scan.id]

    scans.sync_organization(rt, scope, scan.id)
    regions = scans.begin_scan(rt, scope, scan.id)
    assert regions == sorted(catalog_org.regions)
    # Delivered again: it plans nothing new and hands out what is left.
    assert scans.begin_scan(rt, scope, scan.id) == regions
    assert _scan(db, scan.id).units_total == len(TYPES) * len(regions)
    with db.transaction() as session:
        units = session.scalar(select(func.count()).where(ScanUnit.scan_id == scan.id))
    assert units == len(TYPES) * len(regions)

    first = regions[0]
    assert collect_pending(rt, scope, scan.id, {first}) == len(TYPES)
    written, counters = _history(db, scan.id), _scan(db, scan.id)
    assert written > 0
    assert collect_pending(rt, scope, scan.id, {first}) == 0  # nothing left there
    # A unit's result arriving twice (two deliveries collected it at once) is dropped.
    late = UnitOutcome("ok", records=[])
    assert not record_unit(rt, scope, scan.integration_id, scan.id, first, TYPES[0], late,
                           profile_filter([]))  # fmt: skip
    again = _scan(db, scan.id)
    assert _history(db, scan.id) == written  # not "deleted" by the empty late result
    assert (again.units_done, again.resources_found) == (
        counters.units_done,
        counters.resources_found,
    )
    assert scans.finish_if_complete(rt, scope, scan.id) is None  # units still pending

    # Quiet for long, but its chunks wait in the runner's queue: slow, not lost.
    later = utcnow() + timedelta(minutes=5)
    assert end_stalled_scans(db, 60, now=later, held=lambda ids: set(ids)) == []
    assert _scan(db, scan.id).status == "running"
    # Its other chunks were lost: the watchdog ends it failed, and resumable.
    assert end_stalled_scans(db, 60, now=later, held=lambda ids: set()) == [scan.id]
    stalled = _scan(db, scan.id)
    assert stalled.status == "failed"
    assert stalled.error is not None
    assert stalled.error.startswith("stalled")
    assert collect_pending(rt, scope, scan.id) == 0  # a late chunk does nothing now

    time.sleep(1.1)  # its last unit and its start are now over a second old
    resumed = scans.resume_scan(db, scope, scan.id)
    assert resumed.status == "running"
    # Resumed, its chunks not yet with any worker: not quiet, so not stalled again.
    assert end_stalled_scans(db, 1.0, held=lambda ids: set()) == []
    assert held.submitted == [scan.id, scan.id]
    assert collect_pending(rt, scope, scan.id) == len(TYPES) * (len(regions) - 1)
    done = scans.finish_if_complete(rt, scope, scan.id)
    assert done is not None
    assert done.status == "ok"
    assert scans.finish_if_complete(rt, scope, scan.id) is None  # ended once
    assert done.units_done == done.units_total
    assert set(creations(db, client_id).values()) == {1}
    assert len(inventory(db, client_id)) == done.resources_found
