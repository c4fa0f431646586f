"""Time ``apply_scope`` on SQLite and PostgreSQL: a first scan of N new resources, a rescan
with no change, and a rescan where a tenth changed and a tenth disappeared.

    .venv/bin/python -m bench.apply_scope [N]

Prints seconds per step; asserts nothing about time. PostgreSQL comes from
``tests.support.postgres`` (a throwaway server, or ``TETHER_TEST_POSTGRES_URL``).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tests.support.postgres import create_database, drop_database, postgres_server
from tests.support.profiles import add_integration, client_scope
from tether.discovery.inventory import Applied, apply_scope
from tether.domain.resources import ResourceRecord
from tether.store.db import Database
from tether.store.migrate import upgrade

ACCOUNT = "111111111111"
REGION = "us-east-1"
TYPE = "EC2"


def instance(index: int, generation: int = 0) -> ResourceRecord:
    """An EC2 instance of about the size a real one normalises to."""
    return ResourceRecord(
        arn=f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-{index:017x}",
        resource_type=TYPE,
        name=f"web-{index}",
        account_id=ACCOUNT,
        region=REGION,
        zone=f"{REGION}{'abc'[index % 3]}",
        state="running" if generation == 0 else "stopped",
        tags={"Name": f"web-{index}", "Environment": "prod", "Team": f"team-{index % 17}"},
        attributes={
            "instanceType": "t3.medium",
            "ami": "ami-0123456789abcdef0",
            "privateIpAddress": f"10.0.{index // 250}.{index % 250}",
            "vpcId": "vpc-0123456789abcdef0",
            "subnetId": f"subnet-{index % 6:017x}",
            "securityGroups": ["sg-0123456789abcdef0"],
        },
        relationships=[{"type": "vpc", "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/vpc-1"}],
        created_time=datetime(2024, 1, 1, tzinfo=UTC),
    )


def _timed(db: Database, apply: Callable[..., Applied], *args: object) -> tuple[float, Applied]:
    started = time.perf_counter()
    with db.transaction() as session:
        applied = apply(session, *args)
    return time.perf_counter() - started, applied


def run(db: Database, count: int, apply: Callable[..., Applied] = apply_scope) -> dict[str, float]:
    upgrade(db.engine)
    scope = client_scope(db, "Bench")
    integration = add_integration(db, scope, account_id=ACCOUNT)
    first = [instance(i) for i in range(count)]
    changed = [instance(i, generation=1 if i % 10 == 0 else 0) for i in range(count)]
    changed = [record for i, record in enumerate(changed) if i % 10 != 5]
    figures: dict[str, float] = {}
    for step, found in (("new", first), ("no_change", first), ("tenth_changed", changed)):
        seconds, applied = _timed(db, apply, scope, integration, REGION, TYPE, found, None)
        figures[step] = seconds
        print(f"  {db.dialect:10} {step:14} {seconds:7.3f} s  {applied}", flush=True)
    return figures


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    with tempfile.TemporaryDirectory() as directory:
        sqlite = Database(f"sqlite:///{Path(directory) / 'bench.db'}")
        try:
            run(sqlite, count)
        finally:
            sqlite.dispose()
    with postgres_server() as admin_url:
        name = "bench_apply_scope"
        drop_database(admin_url, name)
        postgres = Database(create_database(admin_url, name))
        try:
            run(postgres, count)
        finally:
            postgres.dispose()
            drop_database(admin_url, name)


if __name__ == "__main__":
    main()
