"""Faults that strike one account mid-scan: its credentials expire, its trust policy is
revoked, one of its regions is disabled.

Units are collected one at a time, every call slowed, so the scan of the account lasts
several credential lifetimes and the fault lands while units are still pending. Units
collected before the fault keep their results; those after it end with its cause.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.discovery.conftest import member_identity
from tests.emulator.plugin import EmulatorClients
from tests.faults.conftest import OPT_IN_REGION
from tests.faults.matrix import (
    Installation,
    baseline,
    measure,
    rescan_converges,
    scan_accounts,
    wait_units_done,
)
from tests.support.app import Api
from tests.support.org_scans import outcomes
from tether.catalog.registry import resource_type
from tether.discovery.limits import RateLimiter
from tether.discovery.units import collect_unit
from tether.emulator import FaultProxy

# Seconds temporary credentials live (Tether refreshes them with a second left).
LIFETIME = 4
RecordProperty = Callable[[str, object], None]


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    # One unit at a time: the fault always finds units still to collect.
    return {"scan_concurrency": 1}


@pytest.fixture
def victim(installation: Installation) -> str:
    return installation.org.onboarded_member_ids[0]


def test_credentials_expiring_mid_scan_are_refreshed_and_the_scan_ends_ok(
    fault_api: Api,
    installation: Installation,
    aws_faults: FaultProxy,
    victim: str,
    record_property: RecordProperty,
) -> None:
    fault = "credentials expiring mid-scan"
    # Set before the app's first AssumeRole: every session it gets is short.
    aws_faults.credential_lifetime_seconds = LIFETIME
    base = baseline(fault_api, installation, [victim])
    # Slow enough that the scan lasts well past one credential lifetime on any machine.
    aws_faults.set_latency(350, 450)
    aws_faults.reset_counters()
    started = time.monotonic()
    scans = scan_accounts(base)
    took = time.monotonic() - started
    measure(base, fault, scans, None, record_property)

    assert [scan["status"] for scan in scans] == ["ok"], outcomes(scans)
    counts = aws_faults.counters()
    assert took > 1.5 * LIFETIME, took  # the scan outlived its credentials
    assert counts.total(service="sts", action="AssumeRole").requests >= 2
    # Refreshed before they expired: no call was ever signed with expired credentials.
    assert counts.total().expired == 0


def test_a_trust_policy_revoked_mid_scan_denies_the_units_left_with_its_cause(
    fault_api: Api,
    installation: Installation,
    aws_faults: FaultProxy,
    moto_clients: EmulatorClients,
    victim: str,
    record_property: RecordProperty,
) -> None:
    fault = "trust policy revoked mid-scan"
    aws_faults.credential_lifetime_seconds = LIFETIME
    base = baseline(fault_api, installation, [victim])
    role_name = installation.org.role_arns[victim].rsplit("/", 1)[1]
    iam = moto_clients.as_account("iam", victim)
    trusted = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    nobody = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }

    def revoke(scan_ids: list[str]) -> None:
        wait_units_done(fault_api, base.client_id, scan_ids[0])
        iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(nobody))

    aws_faults.set_latency(150, 250)
    try:
        scans = scan_accounts(base, during=revoke)
    finally:
        trust = trusted if isinstance(trusted, str) else json.dumps(trusted)
        iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=trust)
    measure(base, fault, scans, re.compile(r"AccessDenied.*sts:AssumeRole"), record_property)

    (scan,) = scans
    assert scan["status"] == "partial", outcomes(scans)
    statuses = {u["status"] for u in scan["units"]}
    assert statuses == {"ok", "denied"}, outcomes(scans)
    denied = [u for u in scan["units"] if u["status"] == "denied"]
    assert {u["action"] for u in denied} == {"sts:AssumeRole"}, denied[:3]

    aws_faults.clear_latency()
    rescan_converges(base)


def test_a_region_disabled_mid_scan_skips_its_units_and_keeps_its_inventory(
    fault_api: Api,
    installation: Installation,
    aws_faults: FaultProxy,
    victim: str,
    record_property: RecordProperty,
) -> None:
    fault = "region disabled mid-scan"
    base = baseline(fault_api, installation, [victim])

    def disable(scan_ids: list[str]) -> None:
        wait_units_done(fault_api, base.client_id, scan_ids[0])
        aws_faults.set_disabled_regions([OPT_IN_REGION], account_id=victim)

    aws_faults.set_latency(100, 150)
    scans = scan_accounts(base, during=disable)
    measure(base, fault, scans, re.compile(r"region not enabled"), record_property)

    # A disabled region is skipped, not a failure: the scan is ok, its region kept as is.
    (scan,) = scans
    assert scan["status"] == "ok", outcomes(scans)
    skipped = [u for u in scan["units"] if u["status"] == "skipped"]
    assert skipped, outcomes(scans)
    assert {u["region"] for u in skipped} == {OPT_IN_REGION}
    assert all(u["status"] == "ok" for u in scan["units"] if u["region"] != OPT_IN_REGION)

    aws_faults.clear_disabled_regions()
    aws_faults.clear_latency()
    rescan_converges(base)


def test_a_refresh_denied_by_the_trust_policy_names_sts_assume_role(
    installation: Installation, aws_faults: FaultProxy, victim: str
) -> None:
    aws_faults.credential_lifetime_seconds = LIFETIME
    identity = member_identity(aws_faults, installation.org, victim)
    time.sleep(LIFETIME - 0.5)  # the session is now due a mandatory refresh
    aws_faults.add_rule("access_denied", service="sts", role_arn=installation.org.role_arns[victim])
    sqs = resource_type("SQS")
    assert sqs is not None
    outcome = collect_unit(identity, sqs, victim, "us-east-1", RateLimiter())
    assert outcome.status == "denied", outcome.error
    assert outcome.action == "sts:AssumeRole"
