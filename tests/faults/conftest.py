"""The fault matrix: an organization of its own and the app on it (the summary table is
``tests.faults.summary``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.faults.matrix import SEEDED_RULES, Installation
from tests.support.app import Api, make_api
from tests.support.org_scans import install_org, set_rules
from tether.api.app import create_app
from tether.config import Settings
from tether.emulator import EmulatedOrganization, FaultProxy, MotoServer
from tether.emulator.organization import OrganizationSpec, build_organization, default_members
from tether.store.db import Database
from tether.store.migrate import upgrade

# An opt-in region among the organization's, so a test can disable it mid-scan.
OPT_IN_REGION = "eu-south-1"


@pytest.fixture(scope="session")
def fault_org(moto_server: MotoServer, fault_proxy: FaultProxy) -> EmulatedOrganization:
    """Management + 2 members, one instance per region, in a standard and an opt-in
    region. Tests that change it put it back (a trust policy) or change only the proxy."""
    org = build_organization(
        moto_server.endpoint_url,
        OrganizationSpec(
            members=default_members(2, without_role=0),
            regions=("us-east-1", OPT_IN_REGION),
            instances_per_region=1,
            name_prefix="faults",
        ),
    )
    fault_proxy.register_secret(org.trusted_access_key_id, org.trusted_secret_access_key)
    return org


@pytest.fixture(scope="module")
def installation(
    fault_org: EmulatedOrganization,
    fault_proxy: FaultProxy,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Installation]:
    """The organization installed once per module (an install probes every service: it is
    the slow part) on a SQLite database of the module's own."""
    root = tmp_path_factory.mktemp("faults")
    db = Database(f"sqlite:///{root / 'tether.db'}")
    upgrade(db.engine)
    with contextmanager(make_api)(db, root, **_aws_settings(fault_proxy)) as api:
        installed = install_org(api, fault_org, "Fault matrix")
        set_rules(api, installed["client"], SEEDED_RULES)
        boot = api.boot
    yield Installation(db, root, boot, fault_org, installed)
    db.dispose()


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Settings a module wants for its apps (a module overrides this fixture)."""
    return {}


@pytest.fixture
def fault_api(
    installation: Installation, aws_faults: FaultProxy, app_overrides: dict[str, Any]
) -> Iterator[Api]:
    """A fresh app (its own AWS sessions, clients and limits) on the module's installation;
    every AWS call through the fault proxy, which is reset after the test."""
    settings = Settings(
        data_dir=installation.data_dir, **_aws_settings(aws_faults), **app_overrides
    )
    app = create_app(settings, installation.db)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client=client, db=installation.db, boot=installation.boot)


def _aws_settings(proxy: FaultProxy) -> dict[str, Any]:
    return {"aws_endpoint_url": proxy.endpoint_url, "iam_propagation_seconds": 0.5}
