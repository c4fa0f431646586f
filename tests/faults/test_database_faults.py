"""PostgreSQL unavailable mid-scan, under the in-process runner: the units recorded stay,
the scan ends failed and resumable (never ok with units missing, never deleting what it
did not see), and resuming it once the database is back completes it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.matrix import (
    SEEDED_RULES,
    Installation,
    baseline,
    measure,
    states,
    wait_units_done,
)
from tests.support.app import Api, make_api
from tests.support.org_scans import (
    install_org,
    outcomes,
    scan_record,
    set_rules,
    start_scans,
    wait_scans,
)
from tests.support.postgres import PostgresServer, create_database
from tether.emulator import EmulatedOrganization, FaultProxy
from tether.jobs.inline import InlineRunner
from tether.services.scan_watch import end_stalled_scans
from tether.store.db import Database
from tether.store.migrate import upgrade

RecordProperty = Callable[[str, object], None]


@dataclass
class OnPostgres:
    api: Api
    server: PostgresServer
    data_dir: Path


@pytest.fixture
def on_postgres(aws_faults: FaultProxy, tmp_path: Path) -> Iterator[OnPostgres]:
    """The app (in-process runner, one unit at a time) on a PostgreSQL server of its own."""
    server = PostgresServer()
    try:
        server.start()
        db = Database(create_database(server.url, "tether"))
        upgrade(db.engine)
        overrides = {
            "aws_endpoint_url": aws_faults.endpoint_url,
            "iam_propagation_seconds": 0.5,
            "scan_concurrency": 1,
        }
        with contextmanager(make_api)(db, tmp_path, **overrides) as api:
            yield OnPostgres(api, server, tmp_path)
        db.dispose()
    finally:
        server.close()


def test_the_database_unavailable_mid_scan_ends_it_resumable_and_resume_completes_it(
    on_postgres: OnPostgres,
    fault_org: EmulatedOrganization,
    aws_faults: FaultProxy,
    record_property: RecordProperty,
) -> None:
    fault = "database unavailable (PostgreSQL)"
    api = on_postgres.api
    # The management account alone: an install probes every service of each account.
    installed = install_org(api, fault_org, "Database down", linked=False)
    set_rules(api, installed["client"], SEEDED_RULES)
    setup = Installation(api.db, on_postgres.data_dir, api.boot, fault_org, installed)
    base = baseline(api, setup)
    runner = api.client.app.state.runner  # type: ignore[attr-defined]
    assert isinstance(runner, InlineRunner)

    aws_faults.set_latency(100, 200)
    (scan_id,) = start_scans(api, base.installed)
    wait_units_done(api, base.client_id, scan_id)
    on_postgres.server.stop("fast")
    try:
        # The runner meets the outage at its next write, gives the scan up and waits for the
        # database to record why.
        deadline = time.monotonic() + 120
        while scan_id not in runner.unended:
            assert time.monotonic() < deadline, "the runner never met the outage"
            time.sleep(0.1)
    finally:
        on_postgres.server.start()
    aws_faults.clear_latency()
    runner.wait(scan_id, timeout=120)
    # Nothing is left for the stall watchdog: the scan ended with its real cause.
    assert end_stalled_scans(api.db, 0, held=runner.held) == []
    stopped = scan_record(api, base.client_id, scan_id)
    measure(base, fault, [stopped], re.compile("."), record_property)

    assert stopped["status"] == "failed", outcomes([stopped])
    assert stopped["resumable"] is True
    counts = stopped["unitCounts"]
    assert counts.get("ok", 0) >= 1, counts
    assert counts.get("pending", 0) >= 1, counts
    assert "database" in stopped["error"], stopped["error"]
    assert "resume it" in stopped["error"], stopped["error"]

    resumed = api.client.post(
        f"/api/v1/tenants/{base.client_id}/scans/{scan_id}/resume", headers=api.headers()
    )
    assert resumed.status_code == 200, resumed.text
    (done,) = wait_scans(api, base.client_id, [scan_id])
    assert done["status"] == "ok", outcomes([done])
    now = {arn: where for arn, (where, alive) in states(base).items() if alive}
    assert now == base.live
