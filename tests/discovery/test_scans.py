"""Scans of a whole emulated organization (3 accounts, 3 regions, every emulated type).

The first scan's inventory equals the seeded ground truth exactly. A second scan after
changes in AWS, with one region denied and one service throttled out through the proxy,
records exactly the expected history and deletes nothing it could not see. A rescan with
no change writes no resource row.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.api.test_integrations import _url, _wait, install_body
from tests.emulator.plugin import EmulatorClients
from tests.support.app import Api
from tests.support.org_scans import set_rules
from tether.catalog.registry import RESOURCE_TYPES
from tether.emulator import EmulatedOrganization, FaultProxy, MotoServer
from tether.emulator.organization import OrganizationSpec, build_organization, default_members
from tether.emulator.seed_resources import SEEDED_TYPES
from tether.emulator.seeding import CATALOG_SEEDED_TYPES
from tether.store.models import Resource, ResourceChange, Scan, ScanUnit

EMULATED_CODES = {
    spec.type_code: spec
    for spec in RESOURCE_TYPES
    if spec.cfn_type in {*SEEDED_TYPES, *CATALOG_SEEDED_TYPES}
}


@pytest.fixture(scope="module")
def scanned_org(moto_server: MotoServer, fault_proxy: FaultProxy) -> EmulatedOrganization:
    """An organization of its own: this module changes its resources."""
    org = build_organization(
        moto_server.endpoint_url,
        OrganizationSpec(
            members=default_members(3, without_role=1), seed_catalog=True, name_prefix="scans"
        ),
    )
    fault_proxy.register_secret(org.trusted_access_key_id, org.trusted_secret_access_key)
    return org


def _profile_of_emulated_types() -> list[dict[str, Any]]:
    """Rules selecting exactly the types the emulator holds (others would fail on moto)."""
    return [{"filterType": code} for code in sorted(EMULATED_CODES)]


@pytest.fixture
def installed(aws_api: Api, scanned_org: EmulatedOrganization) -> dict[str, str]:
    """The organization installed with its linked accounts; integration id per account."""
    client_id = aws_api.create_client("Scans client")["uniqueId"]
    body = install_body(
        scanned_org, scanned_org.management_account_id, installAllLinkedAccounts=True
    )
    body["credential"]["Regions"] = ",".join(scanned_org.regions)
    response = aws_api.client.post(
        _url(client_id, "install/AWS"), json=body, headers=aws_api.headers()
    )
    assert response.status_code == 200, response.text
    parent = response.json()
    by_account = {parent["accountNumber"]: parent["id"]}
    by_account |= {
        child["accountNumber"]: child["id"]
        for child in parent["linkedAccounts"]
        if child["status"] == "enabled"
    }
    assert set(by_account) == set(scanned_org.role_arns)
    # Every integration (children inherit at their first scan) collects the emulated types.
    set_rules(aws_api, client_id, _profile_of_emulated_types())
    return {"client": client_id, **by_account}


def _scan(api: Api, client_id: str, integration_id: str) -> dict[str, Any]:
    started = api.client.post(
        f"/api/v1/tenants/{client_id}/integrations/{integration_id}/scans", headers=api.headers()
    )
    assert started.status_code in (200, 201, 202), started.text
    return _wait(api, client_id, started.json()["id"])


def _inventory(api: Api, client_id: str) -> dict[str, Resource]:
    with api.db.transaction() as session:
        rows = session.scalars(
            select(Resource).where(Resource.tenant_id == client_id, Resource.deleted_at.is_(None))
        ).all()
    return {row.arn: row for row in rows}


def _changes(api: Api, scan_id: str) -> set[tuple[str, str]]:
    with api.db.transaction() as session:
        rows = session.execute(
            select(ResourceChange.kind, Resource.arn)
            .join(Resource, Resource.id == ResourceChange.resource_id)
            .where(ResourceChange.scan_id == scan_id)
        ).all()
    return {(kind, arn) for kind, arn in rows}


def test_scans_match_ground_truth_then_record_exact_history(
    aws_api: Api,
    installed: dict[str, str],
    scanned_org: EmulatedOrganization,
    aws_faults: FaultProxy,
    moto_clients: EmulatorClients,
) -> None:
    client_id = installed["client"]
    accounts = sorted(scanned_org.role_arns)
    started = time.monotonic()
    first = {account: _scan(aws_api, client_id, installed[account]) for account in accounts}
    first_seconds = time.monotonic() - started
    for account, scan in first.items():
        assert scan["status"] == "ok", (account, [u for u in scan["units"] if u["status"] != "ok"])

    # 1. Exactly the ground truth: nothing missing, nothing extra, right account/region/tags.
    inventory = _inventory(aws_api, client_id)
    truth = {r.arn: r for r in scanned_org.resources if r.account_id in accounts}
    assert sorted(inventory) == sorted(truth)
    for arn, seeded in truth.items():
        row = inventory[arn]
        assert (row.account_id, row.region, row.tags) == (
            seeded.account_id,
            seeded.region,
            seeded.tag_map,
        ), arn
    assert {row.resource_type for row in inventory.values()} == set(EMULATED_CODES)

    # 2. Changes in AWS, then a rescan with one region denied and one service throttled out.
    a, b = accounts[0], accounts[1]
    sqs_a_east = moto_clients.as_account("sqs", a, "us-east-1")
    new_url = sqs_a_east.create_queue(QueueName="scans-new-orders")["QueueUrl"]
    new_arn = f"arn:aws:sqs:us-east-1:{a}:scans-new-orders"
    retagged = scanned_org.resources_in(a, "eu-west-1", "AWS::SQS::Queue")[0]
    moto_clients.as_account("sqs", a, "eu-west-1").tag_queue(
        QueueUrl=_queue_url(moto_clients, a, "eu-west-1", retagged.resource_id),
        Tags={"CostCentre": "42"},
    )
    gone = scanned_org.resources_in(a, "ap-southeast-2", "AWS::SQS::Queue")[0]
    moto_clients.as_account("sqs", a, "ap-southeast-2").delete_queue(
        QueueUrl=_queue_url(moto_clients, a, "ap-southeast-2", gone.resource_id)
    )
    # Deleted where Tether cannot see: neither may be marked deleted.
    hidden_queue = scanned_org.resources_in(b, "eu-west-1", "AWS::SQS::Queue")[0]
    moto_clients.as_account("sqs", b, "eu-west-1").delete_queue(
        QueueUrl=_queue_url(moto_clients, b, "eu-west-1", hidden_queue.resource_id)
    )
    hidden_table = scanned_org.resources_in(a, "ap-southeast-2", "AWS::DynamoDB::Table")[0]
    moto_clients.as_account("dynamodb", a, "ap-southeast-2").delete_table(
        TableName=hidden_table.resource_id
    )
    aws_faults.add_rule("access_denied", account_id=b, region="eu-west-1")
    aws_faults.add_rule("throttle", account_id=a, service="dynamodb")

    second_a = _scan(aws_api, client_id, installed[a])
    second_b = _scan(aws_api, client_id, installed[b])
    aws_faults.clear_rules()

    assert second_a["status"] == "partial"
    throttled = [u for u in second_a["units"] if u["status"] == "throttled"]
    assert {u["resourceType"] for u in throttled} == {"DYNAMO_DB"}
    assert len(throttled) == len(scanned_org.regions)
    assert all(u["status"] == "ok" for u in second_a["units"] if u["resourceType"] != "DYNAMO_DB")
    assert _changes(aws_api, second_a["id"]) == {
        ("created", new_arn),
        ("updated", retagged.arn),
        ("deleted", gone.arn),
    }
    assert second_b["status"] == "partial"
    denied = [u for u in second_b["units"] if u["status"] == "denied"]
    assert {u["region"] for u in denied} == {"eu-west-1"}
    assert all(u["action"] for u in denied)
    assert _changes(aws_api, second_b["id"]) == set()
    after = _inventory(aws_api, client_id)
    assert hidden_queue.arn in after
    assert hidden_table.arn in after
    assert after[retagged.arn].tags == retagged.tag_map | {"CostCentre": "42"}
    with aws_api.db.transaction() as session:
        diff = session.scalars(
            select(ResourceChange.diff)
            .where(ResourceChange.scan_id == second_a["id"])
            .join(Resource, Resource.id == ResourceChange.resource_id)
            .where(Resource.arn == retagged.arn)
        ).one()
    assert set(diff) == {"tags"}
    sqs_a_east.delete_queue(QueueUrl=new_url)

    # 3. A rescan with no change (of the third account) writes no resource row.
    c = accounts[2]
    with aws_api.db.transaction() as session:
        before = session.scalar(select(func.max(Resource.last_changed)))
    third = _scan(aws_api, client_id, installed[c])
    assert third["status"] == "ok"
    assert _changes(aws_api, third["id"]) == set()
    with aws_api.db.transaction() as session:
        assert session.scalar(select(func.max(Resource.last_changed))) == before
        units = session.scalar(select(func.count()).where(ScanUnit.scan_id == third["id"]))
        assert units == third["unitsTotal"] > 0
        assert session.get(Scan, third["id"]) is not None
    print(
        f"\nfirst scans of {len(accounts)} accounts: {first_seconds:.1f} s, "
        f"{sum(s['apiCalls'] for s in first.values())} calls, {len(inventory)} resources"
    )


def _queue_url(clients: EmulatorClients, account: str, region: str, name: str) -> str:
    sqs = clients.as_account("sqs", account, region)
    return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])


def test_profiles_choose_the_types_collected_and_the_resources_kept(
    aws_api: Api, installed: dict[str, str], scanned_org: EmulatedOrganization
) -> None:
    client_id = installed["client"]
    # The account the test above leaves as seeded (it changes the first two).
    account = sorted(scanned_org.role_arns)[2]
    queues = {r.region: r.arn for r in scanned_org.resources_in(account, None, "AWS::SQS::Queue")}

    def only_queues_in(region: str) -> list[dict[str, Any]]:
        return [{"filterType": "SQS", "key": "Region Name", "operator": "Equals", "value": region}]

    set_rules(aws_api, client_id, only_queues_in("us-east-1"))
    first = _scan(aws_api, client_id, installed[account])
    # Only SQS is selected: one unit per region, no other type collected at all.
    assert {(u["resourceType"], u["region"]) for u in first["units"]} == {
        ("SQS", region) for region in scanned_org.regions
    }
    assert set(_inventory(aws_api, client_id)) == {queues["us-east-1"]}

    set_rules(aws_api, client_id, only_queues_in("eu-west-1"))
    second = _scan(aws_api, client_id, installed[account])
    assert _changes(aws_api, second["id"]) == {
        ("excluded", queues["us-east-1"]),
        ("created", queues["eu-west-1"]),
    }
    assert set(_inventory(aws_api, client_id)) == {queues["eu-west-1"]}
