"""The fault matrix's measuring stick: a clean baseline, a faulted scan, and the checks
every fault must pass (a defined scan status, no false deletion, nothing lost, every
problem unit attributed with a readable cause), recorded as one row of the summary table.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.faults.summary import ROW_PROPERTY
from tests.support.app import Api
from tests.support.org_scans import outcomes, scan_record, start_scans, wait_scans
from tether.catalog.registry import RESOURCE_TYPES
from tether.emulator import EmulatedOrganization
from tether.emulator.seed_resources import SEEDED_TYPES
from tether.services.bootstrap import BootstrapResult
from tether.store.db import Database
from tether.store.models import Resource, ResourceChange

# The types a default-seeded organization holds (VPC, subnet, security group, instance,
# bucket, queue, table): a scan of them is small, and every unit has something to lose.
SEEDED_CODES = sorted(spec.type_code for spec in RESOURCE_TYPES if spec.cfn_type in SEEDED_TYPES)
SEEDED_RULES = [{"filterType": code} for code in SEEDED_CODES]

# Unit statuses that are not problems: collected, or still to collect (a stopped scan).
NOT_PROBLEMS = ("ok", "pending")


@dataclass(frozen=True)
class Installation:
    """An organization installed as a client (the seeded types selected) on ``db``; apps
    built on it share its data directory (its master key)."""

    db: Database
    data_dir: Path
    boot: BootstrapResult
    org: EmulatedOrganization
    installed: dict[str, str]


@dataclass(frozen=True)
class Baseline:
    """An organization installed as a new client and scanned clean."""

    api: Api
    org: EmulatedOrganization
    installed: dict[str, str]
    # ARN -> (account, region, type) of the live inventory after the clean scan.
    live: dict[str, tuple[str, str, str]]

    @property
    def client_id(self) -> str:
        return self.installed["client"]

    @property
    def accounts(self) -> list[str]:
        return sorted(a for a in self.installed if a != "client")


@dataclass(frozen=True)
class FaultRow:
    fault: str
    scan_status: str
    before: int
    after: int
    false_deletions: int
    lost: int
    errors_attributed: str

    def as_property(self) -> dict[str, Any]:
        return asdict(self)


def seeded_truth(org: EmulatedOrganization, accounts: list[str]) -> set[str]:
    """The ARNs AWS (moto) holds of the seeded types in ``accounts``."""
    return {
        r.arn for r in org.resources if r.account_id in accounts and r.resource_type in SEEDED_TYPES
    }


def baseline(api: Api, setup: Installation, accounts: list[str] | None = None) -> Baseline:
    """Scan the installation's ``accounts`` (default all) clean; their live inventory is
    the baseline (and holds everything seeded)."""
    installed = {"client": setup.installed["client"]} | {
        account: integration
        for account, integration in setup.installed.items()
        if account != "client" and (accounts is None or account in accounts)
    }
    scans = wait_scans(api, installed["client"], start_scans(api, installed))
    assert {scan["status"] for scan in scans} == {"ok"}, outcomes(scans)
    base = Baseline(api, setup.org, installed, {})
    live = {arn: where for arn, (where, alive) in states(base).items() if alive}
    # Everything seeded is found (moto adds default VPCs of its own in some regions).
    missing = seeded_truth(setup.org, base.accounts) - set(live)
    assert not missing, sorted(missing)[:5]
    return Baseline(api, setup.org, installed, live)


def states(base: Baseline) -> dict[str, tuple[tuple[str, str, str], bool]]:
    """Every resource row of the client, deleted or not: ARN -> (where, live)."""
    with base.api.db.transaction() as session:
        rows = session.execute(
            select(
                Resource.arn,
                Resource.account_id,
                Resource.region,
                Resource.resource_type,
                Resource.deleted_at,
            ).where(Resource.tenant_id == base.client_id, Resource.account_id.in_(base.accounts))
        ).all()
    return {
        arn: ((account, region, kind), deleted is None)
        for arn, account, region, kind, deleted in rows
    }


def deletions_recorded(db: Database, scan_ids: list[str]) -> int:
    """History rows saying these scans deleted something."""
    with db.transaction() as session:
        return len(
            session.scalars(
                select(ResourceChange.id).where(
                    ResourceChange.scan_id.in_(scan_ids), ResourceChange.kind == "deleted"
                )
            ).all()
        )


def scan_accounts(
    base: Baseline,
    accounts: list[str] | None = None,
    during: Callable[[list[str]], None] | None = None,
    timeout: float = 120,
) -> list[dict[str, Any]]:
    """Scan ``accounts`` (default all) at once; ``during`` runs once they are started (it
    may wait for units to finish, then inject a fault mid-scan)."""
    scan_ids = start_scans(base.api, base.installed, accounts)
    if during is not None:
        during(scan_ids)
    return wait_scans(base.api, base.client_id, scan_ids, timeout=timeout)


def wait_units_done(
    api: Api, client_id: str, scan_id: str, at_least: int = 1, timeout: float = 60
) -> dict[str, Any]:
    """The scan once ``at_least`` of its units are recorded (and it is still running)."""
    deadline = time.monotonic() + timeout
    while True:
        scan = scan_record(api, client_id, scan_id)
        if scan["unitsDone"] >= at_least:
            assert scan["status"] == "running", (
                f"the scan ended before the fault: {outcomes([scan])}"
            )
            return scan
        assert time.monotonic() < deadline, scan
        time.sleep(0.05)


def problem_units(scan: dict[str, Any]) -> list[dict[str, Any]]:
    return [u for u in scan["units"] if u["status"] not in NOT_PROBLEMS]


def unattributed(scan: dict[str, Any], account: str, cause: re.Pattern[str]) -> list[Any]:
    """Problem units not attributed to their unit (account, region, type) with an error
    code and a readable message that names ``cause``."""
    bad = []
    for unit in problem_units(scan):
        message = f"{unit['errorCode']}: {unit['error']}"
        if not (
            unit["account"] == account
            and unit["region"]
            and unit["resourceType"]
            and unit["errorCode"]
            and unit["error"]
            and cause.search(message)
        ):
            bad.append(
                (unit["account"], unit["region"], unit["resourceType"], unit["status"], message)
            )
    return bad


def account_of(base: Baseline, scan: dict[str, Any]) -> str:
    return next(a for a in base.accounts if base.installed[a] == scan["integrationId"])


def measure(
    base: Baseline,
    fault: str,
    scans: list[dict[str, Any]],
    cause: re.Pattern[str] | None,
    record_property: Callable[[str, object], None],
    status: str | None = None,
    refusals: tuple[int, int] = (0, 0),
) -> FaultRow:
    """Record the fault's row, then check it: nothing live before is deleted or gone, the
    inventory is what it was, and every problem unit names ``cause``."""
    after = states(base)
    false_deletions = sorted(arn for arn in base.live if arn in after and not after[arn][1])
    lost = sorted(arn for arn in base.live if arn not in after)
    live_after = {arn for arn, (_, alive) in after.items() if alive}
    problems = [(scan, u) for scan in scans for u in problem_units(scan)]
    bad = (
        [item for scan in scans for item in unattributed(scan, account_of(base, scan), cause)]
        if cause is not None
        else [u for _, u in problems]
    )
    row = FaultRow(
        fault=fault,
        scan_status=status or "/".join(sorted({_status(scan) for scan in scans})),
        before=len(base.live),
        after=len(live_after),
        false_deletions=len(false_deletions),
        lost=len(lost),
        errors_attributed=(
            f"{len(problems) - len(bad) + refusals[0]}/{len(problems) + refusals[1]}"
        ),
    )
    record_property(ROW_PROPERTY, row.as_property())
    assert false_deletions == [], false_deletions[:5]
    assert lost == [], lost[:5]
    assert deletions_recorded(base.api.db, [scan["id"] for scan in scans]) == 0
    assert live_after == set(base.live), sorted(live_after ^ set(base.live))[:5]
    assert bad == [], bad[:5]
    assert refusals[0] == refusals[1], refusals
    return row


def _status(scan: dict[str, Any]) -> str:
    return f"{scan['status']} (resumable)" if scan.get("resumable") else scan["status"]


def rescan_converges(base: Baseline, accounts: list[str] | None = None) -> None:
    """With the fault gone, a rescan ends ok and the inventory is the baseline's."""
    scans = scan_accounts(base, accounts)
    assert {scan["status"] for scan in scans} == {"ok"}, outcomes(scans)
    now = {arn: where for arn, (where, alive) in states(base).items() if alive}
    assert now == base.live


def by_account(base: Baseline, scans: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {account_of(base, scan): scan for scan in scans}
