"""Inventory semantics: a scope's created/updated/deleted rows and their history, global
scopes, profile exclusion, retention, writers racing on one scope, and the inventory as
Prometheus sees it; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from tests.api.test_resources import scope_of
from tests.support.app import Api
from tests.support.profiles import add_integration, client_scope
from tether.discovery.inventory import Applied, apply_scope
from tether.domain.resources import ResourceRecord
from tether.security.scoping import TenantScope
from tether.services.scans import purge_expired
from tether.store.db import Database
from tether.store.models import Integration, Resource, ResourceChange
from tether.store.types import utcnow

ACCOUNT = "111111111111"


@pytest.fixture
def api(api_on_both: Api) -> Api:
    """This module's app, on SQLite and on PostgreSQL."""
    return api_on_both


def bucket(name: str, region: str) -> ResourceRecord:
    return ResourceRecord(
        arn=f"arn:aws:s3:::{name}",
        resource_type="AWS_S3_BUCKET",
        name=name,
        account_id=ACCOUNT,
        region=region,
    )


def queue(name: str, env: str = "prod") -> ResourceRecord:
    return ResourceRecord(
        arn=f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}",
        resource_type="SQS",
        name=name,
        account_id=ACCOUNT,
        region="us-east-1",
        tags={"Environment": env},
    )


def _apply(
    db: Database,
    scope: TenantScope,
    integration: str,
    region: str | None,
    code: str,
    found: list[ResourceRecord],
    excluded: frozenset[str] = frozenset(),
    scan_id: str | None = None,
) -> Applied:
    with db.transaction() as session:
        return apply_scope(
            session, scope, integration, region, code, found, scan_id, excluded=excluded
        )


def _history(db: Database) -> list[tuple[str, str]]:
    with db.transaction() as session:
        rows = session.execute(
            select(ResourceChange.kind, Resource.name)
            .join(Resource, Resource.id == ResourceChange.resource_id)
            .order_by(ResourceChange.id)
        ).all()
    return [(kind, name) for kind, name in rows]


def test_a_global_scope_spans_regions(api: Api) -> None:
    scope = scope_of(api.db, api.create_client("Global")["uniqueId"])
    integration = add_integration(api.db, scope, account_id=ACCOUNT)
    _apply(api.db, scope, integration, None, "AWS_S3_BUCKET",
           [bucket("logs", "eu-west-1"), bucket("site", "us-east-1")])  # fmt: skip
    _apply(api.db, scope, integration, None, "AWS_S3_BUCKET", [bucket("site", "us-east-1")])
    assert _history(api.db) == [("created", "logs"), ("created", "site"), ("deleted", "logs")]


def test_a_resource_no_profile_selects_any_more_is_excluded_not_deleted(api: Api) -> None:
    scope = scope_of(api.db, api.create_client("Profiles")["uniqueId"])
    integration = add_integration(api.db, scope, account_id=ACCOUNT)
    _apply(api.db, scope, integration, "us-east-1", "SQS", [queue("orders"), queue("tmp", "dev")])
    dev = queue("tmp", "dev")
    _apply(api.db, scope, integration, "us-east-1", "SQS", [queue("orders")], frozenset({dev.arn}))
    assert _history(api.db)[-1] == ("excluded", "tmp")


def test_deleted_resources_are_kept_for_the_integrations_retention_period(api: Api) -> None:
    scope = scope_of(api.db, api.create_client("Retention")["uniqueId"])
    integration_id = add_integration(api.db, scope, account_id=ACCOUNT)
    names = ("old", "recent", "alive")
    _apply(api.db, scope, integration_id, "us-east-1", "SQS", [queue(n) for n in names])
    _apply(api.db, scope, integration_id, "us-east-1", "SQS", [queue("alive")])
    with api.db.transaction() as session:
        rows = {r.name: r for r in session.scalars(select(Resource))}
        rows["old"].deleted_at = utcnow() - timedelta(days=7, minutes=1)
        rows["recent"].deleted_at = utcnow() - timedelta(days=6, hours=23)
        integration = session.get(Integration, integration_id)
        assert integration is not None
        assert integration.retention_days == 7
    assert purge_expired(api.db, scope, integration) == 1
    with api.db.transaction() as session:
        kept = {r.name for r in session.scalars(select(Resource))}
    assert kept == {"recent", "alive"}
    integration.retention_days = 30
    with api.db.transaction() as session:
        session.get(Resource, rows["recent"].id).deleted_at = utcnow() - timedelta(days=29)  # type: ignore[union-attr]
    assert purge_expired(api.db, scope, integration) == 0


def test_metrics_show_inventory_size_per_integration_and_type(api: Api) -> None:
    scope = scope_of(api.db, api.create_client("Metrics")["uniqueId"])
    integration = add_integration(api.db, scope, account_id=ACCOUNT)
    _apply(api.db, scope, integration, "us-east-1", "SQS", [queue("a"), queue("b")])
    response = api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    line = (
        f'tether_inventory_resources{{integration="{integration}",resource_type="SQS",'
        f'tenant="{scope.tenant_id}"}} 2.0'
    )
    assert line in response.text
    for family in ("tether_aws_requests_total", "tether_scan_duration_seconds",
                   "tether_integration_last_scan_age_seconds"):  # fmt: skip
        assert f"# TYPE {family.removesuffix('_total')}" in response.text


def _changes(db: Database) -> list[tuple[str, str, dict[str, Any]]]:
    with db.transaction() as session:
        rows = session.execute(
            select(ResourceChange.kind, Resource.name, ResourceChange.diff)
            .join(Resource, Resource.id == ResourceChange.resource_id)
            .order_by(ResourceChange.id)
        ).all()
    return [(kind, name, diff) for kind, name, diff in rows]


@pytest.fixture
def sqs_scope(database: Database) -> tuple[Database, TenantScope, str]:
    scope = client_scope(database, "Inventory")
    return database, scope, add_integration(database, scope, account_id=ACCOUNT)


def test_a_rescan_creates_updates_deletes_and_brings_back(
    sqs_scope: tuple[Database, TenantScope, str],
) -> None:
    db, scope, integration = sqs_scope
    first = _apply(db, scope, integration, "us-east-1", "SQS",
                   [queue("a"), queue("b"), queue("c")])  # fmt: skip
    assert first == Applied(created=3)
    second = _apply(db, scope, integration, "us-east-1", "SQS",
                    [queue("a"), queue("b", "dev"), queue("d")])  # fmt: skip
    assert second == Applied(created=1, updated=1, deleted=1, unchanged=1)
    back = _apply(db, scope, integration, "us-east-1", "SQS",
                  [queue("a"), queue("b", "dev"), queue("c"), queue("d")])  # fmt: skip
    assert back == Applied(updated=1, unchanged=3)
    tags = {"old": {"Environment": "prod"}, "new": {"Environment": "dev"}}
    assert _changes(db) == [
        ("created", "a", {}),
        ("created", "b", {}),
        ("created", "c", {}),
        ("updated", "b", {"tags": tags}),
        ("created", "d", {}),
        ("deleted", "c", {}),
        ("created", "c", {}),
    ]
    with db.transaction() as session:
        rows = {row.name: row for row in session.scalars(select(Resource))}
    assert rows["b"].tags == {"Environment": "dev"}
    assert rows["c"].deleted_at is None
    assert rows["a"].last_changed == rows["a"].first_seen < rows["b"].last_changed


def test_a_rescan_without_change_or_a_second_delivery_writes_nothing(
    sqs_scope: tuple[Database, TenantScope, str],
) -> None:
    db, scope, integration = sqs_scope
    found = [queue(f"q{i}") for i in range(50)]
    _apply(db, scope, integration, "us-east-1", "SQS", found, scan_id=None)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        again = _apply(db, scope, integration, "us-east-1", "SQS", found)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert again == Applied(unchanged=50)
    assert statements
    assert all(statement.lstrip().upper().startswith("SELECT") for statement in statements)
    assert len(_changes(db)) == 50


def test_an_arn_another_scope_stored_is_left_to_it(
    sqs_scope: tuple[Database, TenantScope, str],
) -> None:
    """The insert skips an (integration, ARN) already stored rather than failing the unit."""
    db, scope, integration = sqs_scope
    west = ResourceRecord(
        arn=queue("moved").arn, resource_type="SQS", name="moved", account_id=ACCOUNT,
        region="us-west-2",
    )  # fmt: skip
    _apply(db, scope, integration, "us-west-2", "SQS", [west])
    applied = _apply(db, scope, integration, "us-east-1", "SQS", [queue("moved"), queue("new")])
    assert applied == Applied(created=1, unchanged=1)
    assert [(kind, name) for kind, name, _ in _changes(db)] == [
        ("created", "moved"),
        ("created", "new"),
    ]


def _blocked(db: Database, at_least: int, timeout: float = 60.0) -> None:
    """Wait until ``at_least`` sessions of this database wait on a lock."""
    deadline = time.monotonic() + timeout
    with db.engine.connect() as connection:
        while True:
            waiting = connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            if (waiting or 0) >= at_least:
                return
            assert time.monotonic() < deadline, "the second writer never waited"
            time.sleep(0.05)
            connection.rollback()


def test_two_deliveries_of_one_unit_at_once_write_its_history_once(
    sqs_scope: tuple[Database, TenantScope, str],
) -> None:
    """Workers may run one unit twice at the same time; the second waits for the first
    and then finds nothing to change."""
    db, scope, integration = sqs_scope
    if db.dialect != "postgresql":
        pytest.skip("SQLite lets one writer in at a time")
    _apply(db, scope, integration, "us-east-1", "SQS", [queue("a"), queue("b"), queue("gone")])
    found = [queue("a", "dev"), queue("b"), queue("c")]
    applied_first, release = threading.Event(), threading.Event()

    def deliver(hold: bool) -> Applied:
        with db.transaction() as session:
            applied = apply_scope(session, scope, integration, "us-east-1", "SQS", found, None)
            if hold:
                applied_first.set()
                assert release.wait(60)
            return applied

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(deliver, True)
        assert applied_first.wait(60)
        second = pool.submit(deliver, False)
        try:
            _blocked(db, at_least=1)
        finally:
            release.set()
        results = (first.result(timeout=60), second.result(timeout=60))
    assert results == (Applied(created=1, updated=1, deleted=1, unchanged=1), Applied(unchanged=3))
    kinds = [(kind, name) for kind, name, _ in _changes(db)][3:]
    assert kinds == [("updated", "a"), ("created", "c"), ("deleted", "gone")]
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Resource)) == 4
