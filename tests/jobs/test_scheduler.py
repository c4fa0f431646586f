"""The discovery schedule: due profiles start one scan each integration, exactly once."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.support.profiles import FakeScans, add_integration, client_scope, profile_body
from tether.domain.profiles import parse_profiles
from tether.errors import Conflict
from tether.jobs.scheduler import Scheduler
from tether.security.scoping import TenantScope
from tether.services import profiles
from tether.store.db import Database
from tether.store.models import DiscoveryProfile, Scan, Tenant

# Profiles are saved at CREATED with an hourly schedule on the hour: first run at 13:00.
CREATED = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
FIRST_RUN = datetime(2024, 5, 1, 13, 0, tzinfo=UTC)
HOURLY = {"patternType": "HOURLY", "pattern": "1", "startTime": "00:00:00"}


def scheduled(db: Database, scope: TenantScope, integration: str, name: str = "Hourly") -> int:
    body = profile_body(integration, name, schedule=HOURLY)
    (saved,) = profiles.save_profiles(db, scope, parse_profiles([body]), now=CREATED)
    assert saved.next_run_at == FIRST_RUN
    return saved.id


def next_run_of(db: Database, profile_id: int) -> datetime | None:
    with db.transaction() as session:
        return session.scalar(
            select(DiscoveryProfile.next_run_at).where(DiscoveryProfile.id == profile_id)
        )


def scans_in(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Scan)) or 0


def test_a_due_profile_starts_one_scan_and_moves_on(database: Database) -> None:
    scope = client_scope(database)
    integration = add_integration(database, scope)
    profile = scheduled(database, scope, integration)
    scans = FakeScans()
    scheduler = Scheduler(database, start_scan=scans)

    assert scheduler.tick(FIRST_RUN - timedelta(seconds=1)) == []  # not due yet
    started = scheduler.tick(FIRST_RUN + timedelta(seconds=5))
    assert [scan.integration_id for scan in started] == [integration]
    assert scans.calls == [(scope.tenant_id, integration, "schedule", "scheduler")]
    assert next_run_of(database, profile) == FIRST_RUN + timedelta(hours=1)
    assert scheduler.tick(FIRST_RUN + timedelta(minutes=30)) == []
    assert len(scheduler.tick(FIRST_RUN + timedelta(hours=1))) == 1


def test_downtime_gives_one_catch_up_not_a_storm(database: Database) -> None:
    scope = client_scope(database)
    profile = scheduled(database, scope, add_integration(database, scope))
    scans = FakeScans()
    scheduler = Scheduler(database, start_scan=scans)
    back_up = FIRST_RUN + timedelta(days=3, minutes=20)  # 72 hourly runs missed
    assert len(scheduler.tick(back_up)) == 1
    assert next_run_of(database, profile) == FIRST_RUN + timedelta(days=3, hours=1)
    assert scheduler.tick(back_up + timedelta(seconds=30)) == []
    assert len(scans.calls) == 1


def test_profiles_of_one_integration_share_a_scan(database: Database) -> None:
    scope = client_scope(database)
    shared = add_integration(database, scope)
    other = add_integration(database, scope)
    for name in ("EC2", "S3", "RDS"):
        scheduled(database, scope, shared, name)
    scheduled(database, scope, other)
    scans = FakeScans()
    Scheduler(database, start_scan=scans).tick(FIRST_RUN)
    assert sorted(call[1] for call in scans.calls) == sorted([shared, other])


def test_every_tenant_is_scheduled_in_its_own_scope(database: Database) -> None:
    acme, globex = client_scope(database, "Acme"), client_scope(database, "Globex")
    scheduled(database, acme, add_integration(database, acme))
    scheduled(database, globex, add_integration(database, globex))
    scans = FakeScans()
    Scheduler(database, start_scan=scans).tick(FIRST_RUN)
    assert sorted(call[0] for call in scans.calls) == sorted([acme.tenant_id, globex.tenant_id])


@pytest.mark.parametrize(
    "integration",
    [{"status": "disabled"}, {"status": "failed"}, {"org_status": "SUSPENDED"}],
)
def test_integrations_that_cannot_scan_are_skipped(
    database: Database, integration: dict[str, Any]
) -> None:
    scope = client_scope(database)
    profile = scheduled(database, scope, add_integration(database, scope, **integration))
    scans = FakeScans()
    assert Scheduler(database, start_scan=scans).tick(FIRST_RUN) == []
    assert scans.calls == []
    assert next_run_of(database, profile) == FIRST_RUN  # still due once enabled again


def test_suspended_tenants_and_unscheduled_profiles_are_skipped(database: Database) -> None:
    scope = client_scope(database)
    integration = add_integration(database, scope)
    body = profile_body(integration, "Manual only", schedule=None)
    profiles.save_profiles(database, scope, parse_profiles([body]), now=CREATED)
    suspended = client_scope(database, "Suspended")
    scheduled(database, suspended, add_integration(database, suspended))
    with database.transaction() as session:
        tenant = session.get(Tenant, suspended.tenant_id)
        assert tenant is not None
        tenant.status = "SUSPENDED"
    scans = FakeScans()
    assert Scheduler(database, start_scan=scans).tick(FIRST_RUN + timedelta(days=1)) == []


def test_two_schedulers_start_a_due_run_once(database: Database) -> None:
    scope = client_scope(database)
    integration = add_integration(database, scope)
    for name in ("EC2", "S3"):
        scheduled(database, scope, integration, name)
    other = Database(database.url)  # a second process's engine
    try:
        scans = FakeScans()
        first, second = Scheduler(database, start_scan=scans), Scheduler(other, start_scan=scans)
        assert len(first.tick(FIRST_RUN)) == 1
        assert second.tick(FIRST_RUN) == []
        assert scans_in(database) == 1
    finally:
        other.dispose()


def test_racing_schedulers_start_a_due_run_once(database: Database) -> None:
    scope = client_scope(database)
    integrations = [add_integration(database, scope) for _ in range(3)]
    for integration in integrations:
        for name in ("EC2", "S3"):
            scheduled(database, scope, integration, name)
    engines = [Database(database.url) for _ in range(3)]
    scans = FakeScans()
    seen = threading.Barrier(len(engines))

    class Lockstep(Scheduler):
        def _due(self, now: datetime) -> Any:
            found = super()._due(now)
            seen.wait()  # every scheduler has seen the same due runs before any claims one
            return found

    def run(db: Database) -> list[Scan]:
        return Lockstep(db, start_scan=scans).tick(FIRST_RUN)

    try:
        with ThreadPoolExecutor(len(engines)) as pool:
            started = [
                future.result(timeout=30) for future in [pool.submit(run, db) for db in engines]
            ]
    finally:
        for db in engines:
            db.dispose()
    assert sum(len(batch) for batch in started) == len(integrations)
    assert sorted(call[1] for call in scans.calls) == sorted(integrations)
    assert scans_in(database) == len(integrations)


def test_a_refused_scan_is_logged_and_the_others_still_start(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    scope = client_scope(database)
    refused, fine = add_integration(database, scope), add_integration(database, scope)
    scheduled(database, scope, refused)
    scheduled(database, scope, fine)
    scans = FakeScans()

    def start_scan(db: Database, scope: TenantScope, integration_id: str, *rest: str) -> Scan:
        if integration_id == refused:
            raise Conflict("a scan is already running", code="scan_running")
        return scans(db, scope, integration_id, *rest)

    with caplog.at_level(logging.ERROR, logger="tether.jobs.scheduler"):
        started = Scheduler(database, start_scan=start_scan).tick(FIRST_RUN)
    assert [scan.integration_id for scan in started] == [fine]
    assert "scan_running" in caplog.text


def test_run_forever_ticks_until_stopped(database: Database) -> None:
    scope = client_scope(database)
    integration = add_integration(database, scope)
    scheduled(database, scope, integration)  # due long ago: the first tick starts it
    stop = threading.Event()
    scans = FakeScans()

    def start_and_stop(*args: Any) -> Scan:
        stop.set()
        return scans(*args)

    thread = threading.Thread(
        target=Scheduler(database, start_scan=start_and_stop).run_forever, args=(stop, 0.01)
    )
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert [call[1] for call in scans.calls] == [integration]


def test_run_forever_survives_a_failing_tick(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    stop = threading.Event()
    ticks: list[int] = []

    class Flaky(Scheduler):
        def tick(self, now: datetime | None = None) -> list[Scan]:
            ticks.append(1)
            if len(ticks) == 1:
                raise RuntimeError("database went away")
            stop.set()
            return []

    with caplog.at_level(logging.ERROR, logger="tether.jobs.scheduler"):
        thread = threading.Thread(target=Flaky(database).run_forever, args=(stop, 0.01))
        thread.start()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(ticks) == 2
    assert "database went away" in caplog.text
