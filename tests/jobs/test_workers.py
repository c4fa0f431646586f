"""Scans on two ``tether worker`` processes over a real Redis and PostgreSQL.

Two workers collect exactly what the in-process runner collects. A worker killed with
SIGKILL mid-chunk has its chunk delivered again (late acknowledgement) and the scan
completes with nothing lost or created twice. A Redis restart that loses queued chunks
ends the scan failed and resumable, and ``tether scan resume`` finishes it. Scheduled
scans fire once although both workers tick.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, update

from tests.jobs.shared import assert_management_collected_once, slowed_scan_of_management
from tests.support.app import Api, free_port, tether_command
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
from tests.support.workers import Cluster, Workers, cluster_on_own_services
from tether.emulator import EmulatedOrganization, FaultProxy
from tether.jobs.celery_app import SCANS
from tether.store.models import DiscoveryProfile, Scan
from tether.store.types import utcnow

VISIBILITY_SECONDS = 5  # a dead worker's task comes back this soon
# Quiet this long with nothing queued or running for it: lost. (Queued work is seen in the
# broker, so a short debounce cannot end a scan that is only slow.)
STALL_SECONDS = 8
COLLECT = "tether.scan.collect"


@pytest.fixture(scope="module")
def cluster(fault_proxy: FaultProxy, tmp_path_factory: Any) -> Iterator[Cluster]:
    """Two workers and the API on services of their own (the tests restart both)."""
    overrides = {
        "broker_visibility_timeout": VISIBILITY_SECONDS,
        "scan_stall_seconds": STALL_SECONDS,
        "schedule_interval": 1.0,
    }
    root: Path = tmp_path_factory.mktemp("cluster")
    with cluster_on_own_services(root, fault_proxy.endpoint_url, overrides) as cluster:
        yield cluster


def test_two_workers_collect_exactly_what_the_in_process_runner_does(
    cluster: Cluster, workers_org: EmulatedOrganization, reference: Snapshot
) -> None:
    api = cluster.api
    installed = install_org(api, workers_org, "Two workers")
    scans = wait_scans(api, installed["client"], start_scans(api, installed))

    assert {scan["status"] for scan in scans} == {"ok"}, outcomes(scans)
    assert inventory(api.db, installed["client"]) == reference
    assert set(creations(api.db, installed["client"]).values()) == {1}
    # The units fanned out: both workers collected chunks (account x region).
    for node in cluster.workers.processes:
        assert cluster.workers.tasks_done(node, COLLECT) >= 1, node
    # Workers scan at a lower CPU priority than the API (TETHER_SCAN_NICE, default 10).
    own = os.getpriority(os.PRIO_PROCESS, 0)
    for node, process in cluster.workers.processes.items():
        assert os.getpriority(os.PRIO_PROCESS, process.pid) == min(19, own + 10), node
    # The per-bucket rate limits were taken from Redis, shared by both workers.
    buckets = redis.Redis.from_url(cluster.broker.url).keys("tether:bucket:*")
    assert any(key.endswith(b":ec2") for key in buckets), buckets
    # The API's /metrics adds up the workers' AWS calls (published through Redis).
    calls = sum(scan["apiCalls"] for scan in scans)
    deadline = time.monotonic() + 30
    while (sent := _metric(api, "tether_aws_requests_total")) < calls:
        assert time.monotonic() < deadline, (sent, calls)
        time.sleep(1)
    assert _metric(api, "tether_metrics_processes") >= 3  # the API and two pool processes


def _metric(api: Api, name: str) -> float:
    """The sum of a metric's samples on the API's /metrics."""
    answer = api.client.get("/metrics")
    assert answer.status_code == 200, answer.text
    return sum(
        sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
        if sample.name == name
    )


def test_flower_watches_the_workers(cluster: Cluster) -> None:
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "celery"),
        "--app", "tether.jobs.celery_app", "flower",
        f"--port={port}", "--address=127.0.0.1",
    ]  # fmt: skip
    env = {**cluster.env, "FLOWER_UNAUTHENTICATED_API": "true"}
    log = cluster.workers.logs / "flower.log"
    with log.open("wb") as out:
        flower = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert flower.poll() is None, log.read_text()
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/workers?refresh=1", timeout=5)
                seen = answer.json() if answer.status_code == 200 else {}
            except httpx.TransportError:
                seen = {}
            if set(cluster.workers.processes) <= set(seen):
                break
            assert time.monotonic() < deadline, (seen, log.read_text()[-2000:])
            time.sleep(0.5)
        for node in cluster.workers.processes:
            assert COLLECT in seen[node]["registered"], seen[node]
    finally:
        flower.terminate()
        flower.wait(15)


def _in_flight(workers: Workers, node: str) -> set[str]:
    """Collect tasks the worker took and had not finished (per its log)."""
    log = workers.log(node)
    received = set(re.findall(rf"Task {COLLECT}\[([0-9a-f-]+)\] received", log))
    done = set(re.findall(rf"Task {COLLECT}\[([0-9a-f-]+)\] succeeded", log))
    return received - done


def test_a_worker_killed_mid_scan_has_its_chunk_redelivered_and_nothing_is_lost(
    cluster: Cluster,
    workers_org: EmulatedOrganization,
    reference: Snapshot,
    aws_faults: FaultProxy,
) -> None:
    api, workers = cluster.api, cluster.workers
    victim, survivor = sorted(workers.processes)
    # Slow calls: chunks of a few seconds, time to kill one mid-way.
    client_id, scan_id = slowed_scan_of_management(
        api, workers_org, aws_faults, "Killed worker", latency=(150, 250)
    )
    deadline = time.monotonic() + 60
    while not (_in_flight(workers, victim) and units_done(api, client_id, [scan_id])):
        assert time.monotonic() < deadline, workers.log(victim)[-3000:]
        time.sleep(0.05)
    lost = _in_flight(workers, victim)
    workers.kill(victim)
    (scan,) = wait_scans(api, client_id, [scan_id], timeout=120)
    aws_faults.clear_latency()
    workers.start("three")  # the next tests have two workers again

    assert scan["status"] == "ok", outcomes([scan])
    # The chunk the victim held came back (late acknowledgement) and the survivor ran it.
    survivor_log = workers.log(survivor)
    for task_id in lost:
        assert f"Task {COLLECT}[{task_id}] succeeded" in survivor_log, task_id
    assert_management_collected_once(api, client_id, workers_org, reference)


def test_a_redis_restart_that_loses_queued_chunks_ends_resumable_and_resume_finishes_it(
    cluster: Cluster,
    workers_org: EmulatedOrganization,
    reference: Snapshot,
    aws_faults: FaultProxy,
) -> None:
    api, workers = cluster.api, cluster.workers
    taken_before = workers.received(COLLECT)
    client_id, scan_id = slowed_scan_of_management(api, workers_org, aws_faults, "Redis")
    broker = redis.Redis.from_url(cluster.broker.url)

    # Restart once a unit is done and a chunk still waits in Redis, taken by no worker
    # (the management account's scan has 4 chunks: global and 3 regions).
    deadline = time.monotonic() + 60
    while not (
        units_done(api, client_id, [scan_id])
        and broker.llen(SCANS)
        and workers.received(COLLECT) - taken_before < 4
    ):
        assert time.monotonic() < deadline, "no chunk ever waited in the queue"
        time.sleep(0.02)
    cluster.broker.restart()  # keeps nothing: the queued chunk is gone
    (stalled,) = wait_scans(api, client_id, [scan_id], timeout=STALL_SECONDS + 60)
    aws_faults.clear_latency()

    assert stalled["status"] == "failed", outcomes([stalled])
    assert stalled["error"].startswith("stalled"), stalled["error"]
    assert stalled["resumable"] is True
    assert stalled["unitCounts"].get("pending", 0) > 0
    for node in list(cluster.workers.processes):
        cluster.workers.wait_ready(node)  # reconnected to the new Redis
    resumed = tether_command(
        "scan", "resume", scan_id, "--tenant", client_id, "--wait", "--json",
        env=cluster.env, timeout=120,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    done = scan_record(api, client_id, scan_id)
    assert done["status"] == "ok", done
    assert_management_collected_once(api, client_id, workers_org, reference)


def test_a_postgres_restart_mid_scan_is_waited_out_and_the_scan_completes(
    cluster: Cluster,
    workers_org: EmulatedOrganization,
    reference: Snapshot,
    aws_faults: FaultProxy,
) -> None:
    api = cluster.api
    client_id, scan_id = slowed_scan_of_management(api, workers_org, aws_faults, "Postgres")
    deadline = time.monotonic() + 60
    while not units_done(api, client_id, [scan_id]):
        assert time.monotonic() < deadline, "the scan never started"
        time.sleep(0.05)

    cluster.postgres.stop("fast")
    down = api.client.get(f"/api/v1/tenants/{client_id}/scans/{scan_id}", headers=api.headers())
    assert down.status_code == 503, down.text
    time.sleep(3)  # the workers' writes fail meanwhile: their chunks are retried
    cluster.postgres.start()
    (done,) = wait_scans(api, client_id, [scan_id], timeout=120)
    aws_faults.clear_latency()

    assert done["status"] == "ok", done
    assert_management_collected_once(api, client_id, workers_org, reference)
    retried = sum("Retry in" in cluster.workers.log(node) for node in cluster.workers.processes)
    assert retried, "no chunk met the outage"


def test_a_due_schedule_starts_one_scan_although_both_workers_tick(
    cluster: Cluster, workers_org: EmulatedOrganization
) -> None:
    api = cluster.api
    installed = install_org(api, workers_org, "Scheduled", linked=False)
    client_id = installed["client"]
    integration = installed[workers_org.management_account_id]
    hourly = {"patternType": "HOURLY", "pattern": "1", "startTime": "00:00:00"}
    with api.db.transaction() as session:
        session.execute(
            update(DiscoveryProfile)
            .where(DiscoveryProfile.integration_id == integration)
            .values(schedule=hourly, next_run_at=utcnow() - timedelta(seconds=1))
        )

    def scheduled() -> list[Scan]:
        with api.db.transaction() as session:
            return list(
                session.scalars(
                    select(Scan).where(
                        Scan.integration_id == integration, Scan.trigger == "schedule"
                    )
                )
            )

    deadline = time.monotonic() + 30
    while not scheduled():
        assert time.monotonic() < deadline, "the schedule never fired"
        time.sleep(0.2)
    (scan,) = wait_scans(api, client_id, [scheduled()[0].id], timeout=60)
    time.sleep(3)  # both workers ticked several more times meanwhile
    assert len(scheduled()) == 1
    assert scan["status"] == "ok", scan
    with api.db.transaction() as session:
        next_run = session.scalar(
            select(func.min(DiscoveryProfile.next_run_at)).where(
                DiscoveryProfile.integration_id == integration
            )
        )
    assert next_run is not None
    assert next_run > utcnow()
