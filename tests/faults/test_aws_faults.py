"""AWS misbehaving during a scan, through the fault proxy: throttling, 5xx, connection
resets, latency and an SCP denial.

A burst within the retry budget is retried away (the scan ends ok and counts what it
met); a fault that outlasts the retries ends exactly its units, each with its cause, and
the scan ``partial``. Either way nothing is deleted or lost, and a rescan without the
fault converges to the baseline.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.faults.matrix import (
    Installation,
    baseline,
    by_account,
    measure,
    rescan_converges,
    scan_accounts,
    wait_units_done,
)
from tests.support.app import Api
from tests.support.org_scans import outcomes, scan_record, units_done
from tether.catalog.registry import RESOURCE_TYPES
from tether.emulator import FaultProxy

SERVICES = ("ec2", "s3", "sqs", "dynamodb")
CLIENT_OF = {spec.type_code: spec.service.client_name for spec in RESOURCE_TYPES}
RecordProperty = Callable[[str, object], None]
# Well within SQLite's busy timeout (30 s), which Tether's writers wait out.
LOCK_SECONDS = 3


@pytest.mark.parametrize(
    ("fault", "kind", "options"),
    [
        ("throttling storm (retried)", "throttle", {}),
        ("5xx burst (retried)", "server_error", {"status": 503, "code": "ServiceUnavailable"}),
        ("connection resets (retried)", "connection_reset", {}),
    ],
)
def test_a_burst_within_the_retry_budget_is_retried_and_the_scan_ends_ok(
    fault_api: Api,
    installation: Installation,
    aws_faults: FaultProxy,
    record_property: RecordProperty,
    fault: str,
    kind: str,
    options: dict[str, Any],
) -> None:
    base = baseline(fault_api, installation)
    # Three faults in a row at most for any call: one fewer than Tether's attempts.
    rules = [
        aws_faults.add_rule(kind, account_id=account, service=service, first_n=3, **options)
        for account in base.accounts
        for service in SERVICES
    ]
    aws_faults.reset_counters()
    scans = scan_accounts(base)
    measure(base, fault, scans, None, record_property)

    assert {scan["status"] for scan in scans} == {"ok"}, outcomes(scans)
    injected = sum(rule.injected for rule in rules)
    # Every service of every account is called more than three times: each rule fired out.
    assert injected == 3 * len(rules)
    assert aws_faults.counters().total().faults == injected
    if kind == "throttle":
        # Every throttle is counted on its scan (and slowed its bucket down).
        assert sum(scan["throttles"] for scan in scans) == injected


@pytest.mark.parametrize(
    ("fault", "rule", "status", "cause"),
    [
        (
            "throttling storm (beyond retries)",
            {"kind": "throttle", "service": "dynamodb"},
            "throttled",
            r"throttled by AWS: Throttl",
        ),
        (
            "5xx burst (beyond retries)",
            {
                "kind": "server_error",
                "service": "ec2",
                "region": "us-east-1",
                "code": "InternalError",
            },
            "failed",
            r"AWS service error: InternalError",
        ),
        (
            "connection resets (beyond retries)",
            {"kind": "connection_reset", "service": "sqs"},
            "failed",
            r"network error: .*(Connection|connection)",
        ),
        (
            "service denied by an SCP",
            {"kind": "access_denied", "wording": "scp", "service": "dynamodb"},
            "denied",
            r"AccessDenied.*denied by a service control policy.*service control policy",
        ),
    ],
)
def test_a_fault_beyond_the_retries_ends_exactly_its_units_with_their_cause(
    fault_api: Api,
    installation: Installation,
    aws_faults: FaultProxy,
    record_property: RecordProperty,
    fault: str,
    rule: dict[str, Any],
    status: str,
    cause: str,
) -> None:
    base = baseline(fault_api, installation)
    victim = installation.org.onboarded_member_ids[0]
    aws_faults.add_rule(account_id=victim, **rule)
    scans = scan_accounts(base)
    measure(base, fault, scans, re.compile(cause), record_property)

    scan = by_account(base, scans)
    assert scan[victim]["status"] == "partial", outcomes([scan[victim]])
    assert all(scan[a]["status"] == "ok" for a in base.accounts if a != victim), outcomes(scans)
    hit = {
        (u["region"], u["resourceType"])
        for u in scan[victim]["units"]
        if CLIENT_OF[u["resourceType"]] == rule["service"]
        and rule.get("region") in (None, u["region"])
    }
    ended = {
        (u["region"], u["resourceType"]): u for u in scan[victim]["units"] if u["status"] != "ok"
    }
    assert hit
    assert set(ended) == hit
    assert {u["status"] for u in ended.values()} == {status}
    if status == "denied":
        assert all(u["action"].startswith(f"{rule['service']}:") for u in ended.values())

    aws_faults.clear_rules()
    rescan_converges(base, [victim])


def test_latency_spikes_slow_the_scan_and_change_nothing(
    fault_api: Api,
    installation: Installation,
    aws_faults: FaultProxy,
    record_property: RecordProperty,
) -> None:
    fault = "latency spikes"
    base = baseline(fault_api, installation)
    aws_faults.add_rule("latency", probability=0.3, latency_ms=(200.0, 500.0))
    aws_faults.reset_counters()
    scans = scan_accounts(base)
    measure(base, fault, scans, None, record_property)

    assert {scan["status"] for scan in scans} == {"ok"}, outcomes(scans)
    counts = aws_faults.counters().total()
    assert counts.delayed > 0
    assert counts.faults == 0


def test_the_database_locked_mid_scan_is_waited_out_and_the_scan_ends_ok(
    fault_api: Api,
    installation: Installation,
    aws_faults: FaultProxy,
    record_property: RecordProperty,
) -> None:
    fault = "database locked (SQLite)"
    base = baseline(fault_api, installation)
    path = installation.db.engine.url.database
    assert path is not None
    seen: dict[str, Any] = {}

    def lock(scan_ids: list[str]) -> None:
        wait_units_done(fault_api, base.client_id, scan_ids[0])
        # Another process's writer: it holds the one write lock while units wait to be
        # recorded (WAL: the API still reads meanwhile).
        writer = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            writer.execute("BEGIN EXCLUSIVE")
            done = units_done(fault_api, base.client_id, scan_ids)
            time.sleep(LOCK_SECONDS)
            seen["recorded while locked"] = units_done(fault_api, base.client_id, scan_ids) - done
            seen["running at release"] = [
                scan_record(fault_api, base.client_id, scan_id)["status"] for scan_id in scan_ids
            ]
        finally:
            writer.execute("COMMIT")
            writer.close()

    aws_faults.set_latency(100, 200)
    scans = scan_accounts(base, during=lock)
    measure(base, fault, scans, None, record_property)

    assert {scan["status"] for scan in scans} == {"ok"}, outcomes(scans)
    assert seen["recorded while locked"] == 0, seen
    assert "running" in seen["running at release"], seen
