"""Scans in child processes of the serving process (``TETHER_SCAN_PROCESSES``), on SQLite.

The children collect exactly what the threaded runner collects, run at the configured lower
CPU priority, and a child killed mid-scan costs nothing: the scan is no longer held, the
stall watchdog ends it resumable, and a new child finishes it with nothing lost or twice.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.jobs.shared import assert_management_collected_once, slowed_scan_of_management
from tests.support.app import Api, make_api
from tests.support.org_scans import (
    Snapshot,
    creations,
    install_org,
    inventory,
    outcomes,
    scan_record,
    start_scans,
    units_done,
    wait_scans,
)
from tether.emulator import EmulatedOrganization, FaultProxy
from tether.jobs.processes import ProcessRunner
from tether.services.scan_watch import end_stalled_scans
from tether.store.db import Database
from tether.store.migrate import upgrade

NICE = 5
STALL_SECONDS = 5


@pytest.fixture(scope="module")
def process_api(fault_proxy: FaultProxy, tmp_path_factory: Any) -> Iterator[Api]:
    root: Path = tmp_path_factory.mktemp("scan-processes")
    db = Database(f"sqlite:///{root / 'tether.db'}")
    upgrade(db.engine)
    overrides: dict[str, Any] = {
        "database_url": db.url,
        "aws_endpoint_url": fault_proxy.endpoint_url,
        "iam_propagation_seconds": 0.5,
        "scan_processes": 2,
        "scan_nice": NICE,
    }
    with contextmanager(make_api)(db, root, **overrides) as api:
        yield api
    db.dispose()


def _runner(api: Api) -> ProcessRunner:
    runner = api.client.app.state.runner  # type: ignore[attr-defined]
    assert isinstance(runner, ProcessRunner)
    return runner


def test_child_processes_at_a_lower_priority_collect_what_the_threaded_runner_does(
    process_api: Api, workers_org: EmulatedOrganization, reference: Snapshot
) -> None:
    installed = install_org(process_api, workers_org, "Processes")
    scan_ids = start_scans(process_api, installed)
    scans = wait_scans(process_api, installed["client"], scan_ids)

    assert {scan["status"] for scan in scans} == {"ok"}, outcomes(scans)
    assert inventory(process_api.db, installed["client"]) == reference
    assert set(creations(process_api.db, installed["client"]).values()) == {1}
    # Each scan ran in a child of this process, and both children took some.
    runner = _runner(process_api)
    ran_in = {runner.wait(scan_id, timeout=10) for scan_id in scan_ids}
    children = {child.pid for child in multiprocessing.active_children()}
    assert ran_in <= children, (ran_in, children)
    assert len(ran_in) == 2, ran_in
    own = os.getpriority(os.PRIO_PROCESS, 0)
    for pid in ran_in:
        assert pid is not None
        assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, own + NICE)


def test_a_child_killed_mid_scan_ends_it_resumable_and_a_new_child_finishes_it(
    process_api: Api,
    workers_org: EmulatedOrganization,
    reference: Snapshot,
    aws_faults: FaultProxy,
) -> None:
    api, runner = process_api, _runner(process_api)
    client_id, scan_id = slowed_scan_of_management(
        api, workers_org, aws_faults, "Killed process", latency=(150, 250)
    )
    deadline = time.monotonic() + 60
    while not units_done(api, client_id, [scan_id]):
        assert time.monotonic() < deadline, scan_record(api, client_id, scan_id)
        time.sleep(0.05)
    for child in multiprocessing.active_children():
        os.kill(child.pid or 0, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while runner.held([scan_id]):  # the pool sees its child die and drops the scan
        assert time.monotonic() < deadline, "the dead child's scan is still held"
        time.sleep(0.1)
    aws_faults.clear_latency()
    assert scan_record(api, client_id, scan_id)["status"] == "running"

    time.sleep(STALL_SECONDS + 1)
    assert end_stalled_scans(api.db, STALL_SECONDS, held=runner.held) == [scan_id]
    stalled = scan_record(api, client_id, scan_id)
    assert stalled["status"] == "failed", outcomes([stalled])
    assert stalled["resumable"] is True
    resumed = api.client.post(
        f"/api/v1/tenants/{client_id}/scans/{scan_id}/resume", headers=api.headers()
    )
    assert resumed.status_code == 200, resumed.text
    (done,) = wait_scans(api, client_id, [scan_id])

    assert done["status"] == "ok", outcomes([done])
    assert runner.wait(scan_id, timeout=10) in {c.pid for c in multiprocessing.active_children()}
    assert_management_collected_once(api, client_id, workers_org, reference)
