"""The inventory's searches use their indexes on PostgreSQL.

Several thousand resources of a partner's clients (and of another partner's) are written
the way scans write them (``apply_scope``), the statistics are refreshed, and the statements
the repositories really run (captured as they are sent) are EXPLAINed: each plan must name
the index meant for it. Selective filters are what these indexes exist for; an unselective
one would rightly be scanned. (SQLite's planner picks from the same indexes by simpler
rules, so its plans are not asserted.)
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from tests.api.test_resources import new_scan
from tests.support.postgres import create_database, drop_database
from tests.support.profiles import add_integration, client_scope
from tether.discovery.inventory import apply_scope
from tether.domain.resources import ResourceRecord
from tether.security.scoping import TenantScope, system_scope
from tether.services.inventory_stats import InventoryCounts
from tether.store.db import Database
from tether.store.models import Resource, Tenant
from tether.store.paging import PageRequest
from tether.store.repositories.resources import ResourceFilter, ResourceRepository
from tether.store.repositories.tenants import TenantDirectory
from tether.store.types import utcnow

ACCOUNT, RARE_ACCOUNT = "111111111111", "222222222222"
# (region, account, how many, name prefix): one large region and a few small ones.
LAYOUT = (
    ("us-east-1", ACCOUNT, 2400, "web"),
    ("eu-west-1", ACCOUNT, 560, "worker"),
    ("ap-south-2", RARE_ACCOUNT, 25, "payments-api"),
)
HISTORY_DAYS = 400
# A trigram index beats scanning a tenant's rows from some tens of thousands of them on.
LARGE = 60_000
LARGE_MATCHES = 12


@dataclass
class Inventory:
    db: Database
    client: TenantScope  # the tenant of LAYOUT
    partner: TenantScope  # its partner, with two more clients
    scan_id: str = ""  # the client's last scan (of the rare region)
    resource_id: int = 0
    large: TenantScope | None = None  # a client of LARGE resources


def _fill_large(db: Database, inventory: Inventory) -> None:
    """A tenant too large to scan for a name fragment, generated in SQL for speed."""
    inventory.large = scope = client_scope(db, "Large")
    integration = add_integration(db, scope, account_id=ACCOUNT)
    with db.transaction() as session:
        session.execute(
            text(
                "INSERT INTO resources (tenant_id, integration_id, arn, resource_type, name, "
                "account_id, region, tags, attributes, relationships, fingerprint, first_seen, "
                "last_changed) "
                "SELECT :tenant, :integration, :arn_prefix || g, 'DEVICE', "
                "CASE WHEN g % :every = 0 THEN 'payments-api-' || g "
                "ELSE 'host-' || md5(g::text) END, :account, "
                "'us-east-1', '{}', '{}', '[]', md5(g::text), now(), now() "
                "FROM generate_series(1, :count) AS g"
            ),
            {
                "tenant": scope.tenant_id,
                "integration": integration,
                "account": ACCOUNT,
                "arn_prefix": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-",
                "every": LARGE // LARGE_MATCHES,
                "count": LARGE,
            },
        )


def _instance(index: int, region: str, account: str, prefix: str) -> ResourceRecord:
    return ResourceRecord(
        arn=f"arn:aws:ec2:{region}:{account}:instance/i-{index:017x}",
        resource_type="DEVICE",
        name=f"{prefix}-{index}",
        account_id=account,
        region=region,
        zone=f"{region}a",
        state="running",
        tags={"Name": f"{prefix}-{index}"},
    )


def _scan(db: Database, scope: TenantScope, integration: str, region: str,
          found: list[ResourceRecord]) -> str:  # fmt: skip
    scan_id = new_scan(db, scope, integration)
    with db.transaction() as session:
        apply_scope(session, scope, integration, region, "DEVICE", found, scan_id)
    return scan_id


def _fill(db: Database) -> Inventory:
    client = client_scope(db, "Big")
    with db.transaction() as session:
        partner_id = session.get(Tenant, client.tenant_id).parent_id  # type: ignore[union-attr]
        partner_ref = TenantDirectory(session).ref(partner_id or "")
    assert partner_ref is not None
    inventory = Inventory(db, client, system_scope(partner_ref))
    index = 0
    # The partner's other clients, and a client of another partner, in the common regions.
    others = [client_scope(db, f"Other {n}", partner_id) for n in range(2)]
    for scope in [*others, client_scope(db, "Elsewhere")]:
        integration = add_integration(db, scope, account_id=ACCOUNT)
        for region, count in (("us-east-1", 1200), ("eu-west-1", 300)):
            _scan(db, scope, integration, region,
                  [_instance(index + n, region, ACCOUNT, "web") for n in range(count)])  # fmt: skip
            index += count
    integration = add_integration(db, client, account_id=ACCOUNT)
    for region, account, count, prefix in LAYOUT:
        found = [_instance(index + n, region, account, prefix) for n in range(count)]
        inventory.scan_id = _scan(db, client, integration, region, found)
        index += count
    with db.transaction() as session:
        inventory.resource_id = session.scalars(select(Resource.id).limit(1)).one()
        # A history spread over many days, most of it older than a chart's window.
        session.execute(
            text(
                "UPDATE resource_changes "
                "SET at = at - (id % :days) * interval '1 day' - interval '1 minute'"
            ),
            {"days": HISTORY_DAYS},
        )
    _fill_large(db, inventory)
    with db.engine.begin() as connection:
        # Statistics from every row, not ANALYZE's random sample of 30,000: the planner's
        # estimate of 12 name matches in 60,000 is then the same in every run.
        connection.exec_driver_sql("SET LOCAL default_statistics_target = 1000")
        connection.exec_driver_sql("ANALYZE")
    return inventory


@pytest.fixture(scope="module")
def inventory(postgres_admin_url: str) -> Iterator[Inventory]:
    name = "ix_" + secrets.token_hex(6)
    db = Database(create_database(postgres_admin_url, name, template="tether_template"))
    try:
        yield _fill(db)
    finally:
        db.dispose()
        drop_database(postgres_admin_url, name)


@contextmanager
def _captured(db: Database) -> Iterator[list[tuple[str, Any]]]:
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _plans(db: Database, run: Callable[[Session], object]) -> list[str]:
    """The plan of every statement ``run`` sends, as the database would run it."""
    with _captured(db) as sent, db.transaction() as session:
        run(session)
    plans: list[str] = []
    with db.engine.connect() as connection:
        for statement, parameters in sent:
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            plans.append("\n".join(str(row[0]) for row in rows))
    assert plans, "nothing was sent"
    return plans


Run = Callable[[Session], object]


def _search(
    scope_of: Callable[[Inventory], TenantScope], where: ResourceFilter
) -> Callable[[Inventory], Run]:
    def run(inventory: Inventory) -> Run:
        return lambda session: ResourceRepository(session, scope_of(inventory)).search(
            where, PageRequest()
        )

    return run


def _client(inventory: Inventory) -> TenantScope:
    return inventory.client


def _partner(inventory: Inventory) -> TenantScope:
    return inventory.partner


SEARCHES = {
    "region": (
        _search(_client, ResourceFilter(regions=("ap-south-2",))),
        "ix_resources_tenant_region",
    ),
    "region, as the partner": (
        _search(_partner, ResourceFilter(regions=("ap-south-2",))),
        "ix_resources_tenant_region",
    ),
    "account": (
        _search(_client, ResourceFilter(account_ids=(RARE_ACCOUNT,))),
        "ix_resources_tenant_account",
    ),
    "name": (
        _search(_client, ResourceFilter(name="payments-api-7470")),
        "ix_resources_tenant_name",
    ),
    "changes of a scan": (
        lambda inv: (
            lambda s: ResourceRepository(s, inv.client).scan_changes(inv.scan_id, PageRequest())
        ),
        "ix_resource_changes_scan_id",
    ),
    "history of a resource": (
        lambda inv: (
            lambda s: ResourceRepository(s, inv.client).history(inv.resource_id, PageRequest())
        ),
        "ix_resource_changes_resource_id",
    ),
    "chart's changes since a day": (
        lambda inv: (
            lambda s: InventoryCounts(s, inv.client).daily_changes(
                ResourceFilter(include_deleted=True), utcnow() - timedelta(days=14)
            )
        ),
        "ix_resource_changes_tenant_at",
    ),
}


@pytest.mark.parametrize("search", SEARCHES)
def test_each_search_uses_its_index(inventory: Inventory, search: str) -> None:
    build, index = SEARCHES[search]
    for plan in _plans(inventory.db, build(inventory)):
        assert index in plan, plan


def test_name_contains_uses_trigrams(inventory: Inventory) -> None:
    assert inventory.large is not None
    large = inventory.large
    run = _search(lambda _: large, ResourceFilter(name_contains="Payments-API"))(inventory)
    for plan in _plans(inventory.db, run):
        assert "ix_resources_name_trgm" in plan, plan
    with inventory.db.transaction() as session:
        found = ResourceRepository(session, large).search(
            ResourceFilter(name_contains="Payments-API"), PageRequest()
        )
    assert found.total == LARGE_MATCHES
