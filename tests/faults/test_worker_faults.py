"""A ``tether worker`` killed (SIGKILL) mid-chunk, with a second worker alive, over Redis
and PostgreSQL: its chunk is delivered again (late acknowledgement) and the scan ends ok,
nothing lost, deleted or created twice."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.matrix import SEEDED_RULES, Installation, baseline, measure
from tests.support.app import Api
from tests.support.org_scans import (
    creations,
    install_org,
    outcomes,
    set_rules,
    start_scans,
    units_done,
    wait_scans,
)
from tests.support.workers import Workers, cluster_on_own_services
from tether.emulator import EmulatedOrganization, FaultProxy

COLLECT = "tether.scan.collect"
RecordProperty = Callable[[str, object], None]


@pytest.fixture
def cluster(fault_proxy: FaultProxy, tmp_path: Path) -> Iterator[tuple[Api, Workers, Path]]:
    """The API (Celery runner) and two workers on a PostgreSQL and a Redis of their own."""
    overrides = {
        "broker_visibility_timeout": 5,  # a dead worker's chunk comes back this soon
        "scan_stall_seconds": 60,
    }
    with cluster_on_own_services(tmp_path, fault_proxy.endpoint_url, overrides, False) as c:
        yield c.api, c.workers, tmp_path / "data"


def _in_flight(workers: Workers, node: str) -> set[str]:
    """Collect tasks the worker took and had not finished (per its log)."""
    log = workers.log(node)
    received = set(re.findall(rf"Task {COLLECT}\[([0-9a-f-]+)\] received", log))
    done = set(re.findall(rf"Task {COLLECT}\[([0-9a-f-]+)\] succeeded", log))
    return received - done


def test_a_worker_killed_mid_scan_has_its_chunk_redelivered_and_nothing_is_lost(
    cluster: tuple[Api, Workers, Path],
    fault_org: EmulatedOrganization,
    aws_faults: FaultProxy,
    record_property: RecordProperty,
) -> None:
    fault = "worker killed (SIGKILL)"
    api, workers, data_dir = cluster
    installed = install_org(api, fault_org, "Killed worker", linked=False)
    set_rules(api, installed["client"], SEEDED_RULES)
    base = baseline(api, Installation(api.db, data_dir, api.boot, fault_org, installed))
    victim, survivor = sorted(workers.processes)

    aws_faults.set_latency(150, 250)  # chunks of a few seconds: time to kill one mid-way
    (scan_id,) = start_scans(api, base.installed)
    deadline = time.monotonic() + 60
    while not (_in_flight(workers, victim) and units_done(api, base.client_id, [scan_id])):
        assert time.monotonic() < deadline, workers.log(victim)[-3000:]
        time.sleep(0.05)
    lost = _in_flight(workers, victim)
    workers.kill(victim)
    (scan,) = wait_scans(api, base.client_id, [scan_id], timeout=120)
    aws_faults.clear_latency()
    measure(base, fault, [scan], None, record_property)

    assert scan["status"] == "ok", outcomes([scan])
    survivor_log = workers.log(survivor)
    for task_id in lost:
        assert f"Task {COLLECT}[{task_id}] succeeded" in survivor_log, task_id
    assert set(creations(api.db, base.client_id).values()) == {1}
