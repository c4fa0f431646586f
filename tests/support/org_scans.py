"""Install an emulated organization through the API, scan it, read back its inventory."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select

from tests.api.test_integrations import _url, install_body
from tests.support.app import Api
from tether.catalog.registry import RESOURCE_TYPES
from tether.emulator import EmulatedOrganization
from tether.emulator.seed_resources import SEEDED_TYPES
from tether.emulator.seeding import CATALOG_SEEDED_TYPES
from tether.store.db import Database
from tether.store.models import Resource, ResourceChange

# Rules selecting exactly the types the emulator holds (others would fail on moto).
EMULATED_RULES = [
    {"filterType": spec.type_code}
    for spec in sorted(RESOURCE_TYPES, key=lambda spec: spec.type_code)
    if spec.cfn_type in {*SEEDED_TYPES, *CATALOG_SEEDED_TYPES}
]
Snapshot = dict[str, tuple[Any, ...]]


def install_org(
    api: Api, org: EmulatedOrganization, client_name: str, linked: bool = True
) -> dict[str, str]:
    """A new client with the organization installed (with its linked accounts, or the
    management account alone); ``client`` and the integration id per account."""
    client_id = api.create_client(client_name)["uniqueId"]
    body = install_body(org, org.management_account_id, installAllLinkedAccounts=linked)
    body["credential"]["Regions"] = ",".join(org.regions)
    response = api.client.post(_url(client_id, "install/AWS"), json=body, headers=api.headers())
    assert response.status_code == 200, response.text
    parent = response.json()
    by_account = {parent["accountNumber"]: parent["id"]}
    by_account |= {
        child["accountNumber"]: child["id"]
        for child in parent.get("linkedAccounts") or []
        if child["status"] == "enabled"
    }
    set_rules(api, client_id, EMULATED_RULES)
    return {"client": client_id, **by_account}


def set_rules(api: Api, client_id: str, rules: list[dict[str, Any]]) -> None:
    profiles = api.client.get(
        f"/api/v2/tenants/{client_id}/policies/discovery", headers=api.headers()
    ).json()
    for profile in profiles:
        profile["policy"]["rules"] = rules
    updated = api.client.put(
        f"/api/v2/tenants/{client_id}/policies/discovery", json=profiles, headers=api.headers()
    )
    assert updated.status_code == 200, updated.text


def start_scans(
    api: Api, installed: dict[str, str], accounts: list[str] | None = None
) -> list[str]:
    client_id = installed["client"]
    ids = []
    for account in accounts or [a for a in installed if a != "client"]:
        started = api.client.post(
            f"/api/v1/tenants/{client_id}/integrations/{installed[account]}/scans",
            headers=api.headers(),
        )
        assert started.status_code == 200, started.text
        ids.append(started.json()["id"])
    return ids


def scan_record(api: Api, client_id: str, scan_id: str) -> dict[str, Any]:
    answer = api.client.get(f"/api/v1/tenants/{client_id}/scans/{scan_id}", headers=api.headers())
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def wait_scans(
    api: Api, client_id: str, scan_ids: list[str], timeout: float = 120
) -> list[dict[str, Any]]:
    """The scans once none is queued or running."""
    deadline = time.monotonic() + timeout
    while True:
        scans = [scan_record(api, client_id, scan_id) for scan_id in scan_ids]
        if all(scan["status"] not in ("queued", "running") for scan in scans):
            return scans
        assert time.monotonic() < deadline, [(s["status"], s["unitsDone"]) for s in scans]
        time.sleep(0.3)


def outcomes(scans: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What a failed assertion on scans should show: status, error and problem units."""
    return [
        (
            scan["status"], scan["error"], scan.get("unitCounts"),
            [(u["region"], u["resourceType"], u["status"], u["error"])
             for u in scan.get("units") or [] if u["status"] not in ("ok", "skipped")][:5],
        )
        for scan in scans
    ]  # fmt: skip


def units_done(api: Api, client_id: str, scan_ids: list[str]) -> int:
    return sum(scan_record(api, client_id, scan_id)["unitsDone"] for scan_id in scan_ids)


def inventory(db: Database, client_id: str, accounts: set[str] | None = None) -> Snapshot:
    """The client's live resources by ARN: everything a scan writes but ids and times."""
    with db.transaction() as session:
        rows = session.scalars(
            select(Resource).where(Resource.tenant_id == client_id, Resource.deleted_at.is_(None))
        ).all()
    return {
        row.arn: (
            row.resource_type, row.account_id, row.region, row.name, row.zone, row.state,
            row.tags, row.attributes, row.relationships, row.created_time, row.fingerprint,
        )
        for row in rows
        if accounts is None or row.account_id in accounts
    }  # fmt: skip


def creations(db: Database, client_id: str) -> dict[str, int]:
    """How many ``created`` history rows each ARN of the client has."""
    with db.transaction() as session:
        rows = session.execute(
            select(Resource.arn, func.count())
            .join(ResourceChange, ResourceChange.resource_id == Resource.id)
            .where(Resource.tenant_id == client_id, ResourceChange.kind == "created")
            .group_by(Resource.arn)
        ).all()
    return {arn: count for arn, count in rows}
