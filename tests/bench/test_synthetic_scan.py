"""A real Tether scan of the synthetic organization finds exactly its ground truth."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.synthetic import SyntheticEndpoint

from tests.bench.conftest import REGIONS
from tests.support.app import Api, make_api
from tests.support.org_scans import inventory, outcomes, set_rules, start_scans, wait_scans
from tether.catalog.registry import RESOURCE_TYPES
from tether.store.db import Database

ALL_TYPES = [{"filterType": code} for code in sorted(spec.type_code for spec in RESOURCE_TYPES)]


@pytest.fixture
def synthetic_api(
    sqlite_database: Database, tmp_path: Path, synthetic: SyntheticEndpoint
) -> Iterator[Api]:
    yield from make_api(
        sqlite_database,
        tmp_path,
        aws_endpoint_url=synthetic.endpoint_url,
        iam_propagation_seconds=0.5,
    )


def test_an_organization_scan_equals_the_ground_truth(
    synthetic_api: Api, synthetic: SyntheticEndpoint
) -> None:
    api, info = synthetic_api, synthetic.info
    management = info["management_account_id"]
    client_id = api.create_client("Synthetic org")["uniqueId"]
    body = {
        "displayName": "Synthetic org",
        "installAllLinkedAccounts": True,
        "credential": {
            "credentialType": "AWS",
            "AWSType": "IAM with AssumeRole",
            "Regions": ",".join(REGIONS),
            "AccountNumber": info["trusted_account_id"],
            "AccessKey": info["access_key_id"],
            "SecurityKey": info["secret_access_key"],
            "AssumeRoleARN": f"arn:aws:iam::{management}:role/{info['role_name']}",
            "ExternalId": info["external_id"],
        },
    }
    response = api.client.post(
        f"/api/v2/tenants/{client_id}/integrations/install/AWS", json=body, headers=api.headers()
    )
    assert response.status_code == 200, response.text
    parent = response.json()
    installed = {"client": client_id, parent["accountNumber"]: parent["id"]}
    installed |= {c["accountNumber"]: c["id"] for c in parent.get("linkedAccounts") or []}
    assert sorted(a for a in installed if a != "client") == sorted(info["accounts"])
    set_rules(api, client_id, ALL_TYPES)
    synthetic.reset_stats()
    scans = wait_scans(api, client_id, start_scans(api, installed), timeout=120)
    assert all(scan["status"] == "ok" for scan in scans), outcomes(scans)
    assert all(scan["unitCounts"].get("failed", 0) == 0 for scan in scans), outcomes(scans)
    found = Counter(row[0] for row in inventory(api.db, client_id).values())
    truth = synthetic.ground_truth()
    assert dict(found) == {code: n for code, n in truth["by_type"].items() if n}
    stats = synthetic.stats()
    assert stats["throttled"] == 0
    assert stats["unknown_operations"] == {}
