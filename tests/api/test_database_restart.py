"""PostgreSQL restarted under a running API: 503 meanwhile, then back with the inventory
intact, without restarting Tether (stale pooled connections are replaced)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.app import make_api
from tests.support.org_scans import install_org, inventory, start_scans, wait_scans
from tests.support.postgres import PostgresServer, create_database
from tether.emulator import EmulatedOrganization, FaultProxy
from tether.store.db import Database
from tether.store.migrate import upgrade


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.close()


def test_the_api_answers_503_while_postgres_restarts_then_recovers_with_the_inventory(
    own_postgres: PostgresServer,
    catalog_org: EmulatedOrganization,
    fault_proxy: FaultProxy,
    tmp_path: Path,
) -> None:
    db = Database(create_database(own_postgres.url, "tether"))
    upgrade(db.engine)
    overrides = {"aws_endpoint_url": fault_proxy.endpoint_url, "iam_propagation_seconds": 0.5}
    with contextmanager(make_api)(db, tmp_path, **overrides) as api:
        installed = install_org(api, catalog_org, "Restart", linked=False)
        client_id = installed["client"]
        (scan,) = wait_scans(api, client_id, start_scans(api, installed))
        assert scan["status"] == "ok", scan
        before = inventory(db, client_id)
        search = f"/api/v2/tenants/{client_id}/resources/search?pageSize=5"
        found = api.client.get(search, headers=api.headers())
        assert found.status_code == 200, found.text
        total = found.json()["totalResults"]
        assert total == len(before) > 50

        own_postgres.stop("fast")
        for path in (search, f"/api/v1/tenants/{client_id}/scans/{scan['id']}"):
            down = api.client.get(path, headers=api.headers())
            assert down.status_code == 503, down.text
            assert down.json()["code"] == "database_unavailable"
        assert api.client.get("/readyz").status_code == 503

        own_postgres.start()
        assert api.client.get("/readyz").status_code == 200
        back = api.client.get(search, headers=api.headers())
        assert back.status_code == 200, back.text
        assert back.json()["totalResults"] == total
        assert inventory(db, client_id) == before
    db.dispose()
