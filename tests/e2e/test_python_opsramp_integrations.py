"""python-opsramp drives a running ``tether serve`` through the seed's whole flow: install
with linked accounts on an Organization of five members (one without the role), search,
enable/disable, discovery profiles with rescan, and uninstall."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from opsramp.binding import connect
from opsramp.msp import Clients

from tests.emulator.plugin import organization_of
from tests.support.app import RunningServer, bootstrapped_server
from tether.emulator import (
    EmulatedOrganization,
    FaultProxy,
    MotoServer,
)


@pytest.fixture(scope="module")
def org_of_five(moto_server: MotoServer, fault_proxy: FaultProxy) -> EmulatedOrganization:
    return organization_of(moto_server, fault_proxy, "e2e")


@pytest.fixture
def aws_server(
    tether_env: dict[str, str], tmp_path: Path, aws_faults: FaultProxy
) -> Iterator[RunningServer]:
    env = {**tether_env, "TETHER_AWS_ENDPOINT_URL": aws_faults.endpoint_url}
    with bootstrapped_server(env, tmp_path / "serve.log") as server:
        yield server


def _scan_status(server: RunningServer, token: str, tenant: str, scan_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        scan: dict[str, Any] = httpx.get(
            f"{server.base_url}/api/v1/tenants/{tenant}/scans/{scan_id}",
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        if scan["status"] not in ("queued", "running"):
            return scan
        assert time.monotonic() < deadline, scan
        time.sleep(0.3)


def test_the_seed_flow_with_python_opsramp(
    aws_server: RunningServer, org_of_five: EmulatedOrganization
) -> None:
    org, boot = org_of_five, aws_server.boot
    opsramp = connect(aws_server.base_url, boot["api_key"], boot["api_secret"])
    client = (
        opsramp.tenant(boot["partner_id"])
        .clients()
        .create(Clients.mkClient("Landing Zone Ltd", "1 Cloud Way", "Europe/Dublin", "IE"))
    )
    tenant = opsramp.tenant(client["uniqueId"])
    instances = tenant.integrations().instances()

    assert (
        tenant.integrations().itypes().search("queryString=name:AWS")["results"][0]["category"]
        == "Public Cloud"
    )
    parent = instances.create("AWS", {
        "displayName": "Landing zone",
        "credential": {
            "credentialType": "AWS", "AWSType": "IAM with AssumeRole", "Regions": "us-east-1",
            "AccountNumber": org.trusted_account_id,
            "AccessKey": org.trusted_keys.access_key_id,
            "SecurityKey": org.trusted_keys.secret_access_key,
            "AssumeRoleARN": org.role_arns[org.management_account_id],
            "ExternalId": org.external_id,
        },
        "installAllLinkedAccounts": True,
    })  # fmt: skip
    assert parent["id"].startswith("INTG-")
    assert "SecurityKey" not in parent["credential"]
    children = instances.search(f"queryString=parent:{parent['id']}")["results"]
    assert len(children) == 5
    by_status = sorted(child["status"] for child in children)
    assert by_status == ["enabled", "enabled", "enabled", "enabled", "failed"]
    failed = next(child for child in children if child["status"] == "failed")
    assert "cannot assume" in failed["statusReason"]

    child = next(c for c in children if c["status"] == "enabled")
    assert instances.disable(child["id"])["status"] == "disabled"
    assert instances.enable(child["id"])["status"] == "enabled"

    discovery = tenant.discovery()
    profiles = discovery.search("AWS Basic Discovery Profile")["results"]
    parent_profile = next(p for p in profiles if p["installedIntegrationId"] == parent["id"])
    started = discovery.rescan(parent_profile["id"])
    token = opsramp.token
    assert _scan_status(aws_server, token, client["uniqueId"], started["scanId"])["status"] == "ok"

    # Inheritance: the child's first scan copies the parent's profiles; later edits of the
    # parent's profile leave the child's alone.
    child_scan = httpx.post(
        f"{aws_server.base_url}/api/v1/tenants/{client['uniqueId']}/integrations/{child['id']}/scans",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert _scan_status(aws_server, token, client["uniqueId"], child_scan["id"])["status"] == "ok"
    edited = dict(parent_profile, name="Only instances")
    edited["policy"] = dict(parent_profile["policy"], rules=[{"filterType": "DEVICE"}])
    discovery.create([edited])
    child_profiles = [
        p for p in discovery.search("queryString=integration:" + child["id"])["results"]
    ]
    assert [p["name"] for p in child_profiles] == ["AWS Basic Discovery Profile"]
    assert child_profiles[0]["policy"]["rules"] == parent_profile["policy"]["rules"]

    instances.delete(failed["id"], "the member never got the role")
    instances.api.delete(parent["id"], json={"uninstallReason": "leaving", "children": "uninstall"})
    assert instances.search("")["totalResults"] == 0
