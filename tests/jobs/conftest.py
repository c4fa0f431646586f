"""The organization the runner tests scan, and what the in-process runner collects from it."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.app import make_api
from tests.support.org_scans import (
    Snapshot,
    install_org,
    inventory,
    outcomes,
    start_scans,
    wait_scans,
)
from tether.emulator import EmulatedOrganization, FaultProxy
from tether.store.db import Database
from tether.store.migrate import upgrade


@pytest.fixture(scope="module")
def workers_org(catalog_org: EmulatedOrganization) -> EmulatedOrganization:
    """The catalog-seeded organization (read only here): 4 accounts x 3 regions."""
    return catalog_org


@pytest.fixture(scope="module")
def reference(
    workers_org: EmulatedOrganization, fault_proxy: FaultProxy, tmp_path_factory: Any
) -> Snapshot:
    """The inventory the in-process runner (SQLite) collects from the organization."""
    root: Path = tmp_path_factory.mktemp("in-process")
    db = Database(f"sqlite:///{root / 'tether.db'}")
    upgrade(db.engine)
    overrides = {"aws_endpoint_url": fault_proxy.endpoint_url, "iam_propagation_seconds": 0.5}
    with contextmanager(make_api)(db, root, **overrides) as api:
        installed = install_org(api, workers_org, "In process")
        scans = wait_scans(api, installed["client"], start_scans(api, installed))
        assert {scan["status"] for scan in scans} == {"ok"}, outcomes(scans)
        snapshot = inventory(db, installed["client"])
    db.dispose()
    assert len(snapshot) > 500  # the whole seeded catalog of 4 accounts x 3 regions
    return snapshot
