"""Install All Linked Accounts on an Organization of five members, one without the role."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.api.test_integrations import _url, _wait, install_body
from tests.emulator.plugin import EmulatorClients, organization_of
from tests.support.app import Api
from tether.emulator import (
    EmulatedOrganization,
    FaultProxy,
    MotoServer,
)
from tether.store.models import Resource


@pytest.fixture(scope="module")
def big_org(moto_server: MotoServer, fault_proxy: FaultProxy) -> EmulatedOrganization:
    return organization_of(moto_server, fault_proxy, "linked")


def instances_found(scan: dict[str, Any]) -> int:
    """EC2 instances a scan found (each member has one per region)."""
    return sum(u["resources"] for u in scan["units"] if u["resourceType"] == "DEVICE")


def _install_parent(
    api: Api, client_id: str, org: EmulatedOrganization, **extra: Any
) -> dict[str, Any]:
    body = install_body(org, org.management_account_id, installAllLinkedAccounts=True, **extra)
    body["credential"]["Regions"] = "us-east-1"
    response = api.client.post(_url(client_id, "install/AWS"), json=body, headers=api.headers())
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_linked_accounts_become_children_and_a_member_without_the_role_fails_alone(
    aws_api: Api, big_org: EmulatedOrganization
) -> None:
    client_id = aws_api.create_client("Org client")["uniqueId"]
    parent = _install_parent(aws_api, client_id, big_org)
    assert parent["status"] == "enabled"
    children = {c["accountNumber"]: c for c in parent["linkedAccounts"]}
    members = set(big_org.member_account_ids)
    assert set(children) == members
    bare = next(a.account_id for a in big_org.accounts if a.kind == "member" and not a.role_arn)
    assert children[bare]["status"] == "failed"
    assert "cannot assume" in children[bare]["statusReason"]
    assert all(children[m]["status"] == "enabled" for m in members - {bare})

    listed = aws_api.client.get(
        _url(client_id, "installed/search"),
        params={"queryString": f"parent:{parent['id']}"},
        headers=aws_api.headers(),
    ).json()
    assert listed["totalResults"] == len(members)

    # A child scans its own account through the member role.
    child = children[big_org.onboarded_member_ids[0]]["id"]
    scan = aws_api.client.post(
        f"/api/v1/tenants/{client_id}/integrations/{child}/scans", headers=aws_api.headers()
    )
    finished = _wait(aws_api, client_id, scan.json()["id"])
    assert finished["status"] == "ok", finished
    assert instances_found(finished) == 1
    refused = aws_api.client.post(
        f"/api/v1/tenants/{client_id}/integrations/{children[bare]['id']}/scans",
        headers=aws_api.headers(),
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "integration_failed")


def test_organization_sync_follows_accounts_that_join(
    aws_api: Api, big_org: EmulatedOrganization, moto_clients: EmulatorClients
) -> None:
    client_id = aws_api.create_client("Sync client")["uniqueId"]
    parent = _install_parent(aws_api, client_id, big_org)
    before = len(parent["linkedAccounts"])
    organizations = moto_clients.as_account("organizations", big_org.management_account_id)
    created = organizations.create_account(
        Email=f"late-{time.time_ns()}@example.com", AccountName="late joiner"
    )["CreateAccountStatus"]["AccountId"]
    sync = aws_api.client.post(
        f"/api/v1/tenants/{client_id}/integrations/{parent['id']}/organization/sync",
        headers=aws_api.headers(),
    )
    assert sync.status_code == 200, sync.text
    body = sync.json()
    # The new account has no TetherReadOnly role yet: a failed child, with the reason.
    assert len(body["failed"]) == 1
    detail = aws_api.client.get(
        _url(client_id, f"installed/{parent['id']}"), headers=aws_api.headers()
    ).json()
    assert len(detail["linkedAccounts"]) == before + 1
    assert created in {c["accountNumber"] for c in detail["linkedAccounts"]}


def test_uninstalling_a_parent_needs_a_choice_for_its_children(
    aws_api: Api, big_org: EmulatedOrganization
) -> None:
    client_id = aws_api.create_client("Uninstall client")["uniqueId"]
    parent = _install_parent(aws_api, client_id, big_org)
    url = _url(client_id, f"installed/{parent['id']}")
    no_choice = aws_api.client.request(
        "DELETE", url, json={"uninstallReason": "done"}, headers=aws_api.headers()
    )
    assert (no_choice.status_code, no_choice.json()["fields"]) == (400, ["children"])
    kept = aws_api.client.request(
        "DELETE",
        url,
        json={"uninstallReason": "done", "children": "keep"},
        headers=aws_api.headers(),
    )
    assert kept.status_code == 200, kept.text
    remaining = aws_api.client.get(
        _url(client_id, "installed/search"), headers=aws_api.headers()
    ).json()
    assert remaining["totalResults"] == len(parent["linkedAccounts"])
    assert all(r["parentId"] is None for r in remaining["results"])
    # A kept child works on its own: it scans with its own credential.
    alone = next(r for r in remaining["results"] if r["status"] == "enabled")
    role_arn = alone["credential"]["AssumeRoleARN"]
    assert role_arn == f"arn:aws:iam::{alone['accountNumber']}:role/TetherReadOnly"
    scan = aws_api.client.post(
        f"/api/v1/tenants/{client_id}/integrations/{alone['id']}/scans", headers=aws_api.headers()
    )
    assert _wait(aws_api, client_id, scan.json()["id"])["status"] == "ok"


def test_sync_marks_closed_and_removed_accounts_and_their_scans_stop(
    aws_api: Api, moto_server: MotoServer, fault_proxy: FaultProxy, moto_clients: EmulatorClients
) -> None:
    # An Organization of its own: this test closes and removes members.
    org = organization_of(moto_server, fault_proxy, "closing", members=3, without_role=0)
    client_id = aws_api.create_client("Closing client")["uniqueId"]
    parent = _install_parent(aws_api, client_id, org)
    children = {c["accountNumber"]: c["id"] for c in parent["linkedAccounts"]}
    closing, leaving, staying = org.member_account_ids
    scan = aws_api.client.post(
        f"/api/v1/tenants/{client_id}/integrations/{children[closing]}/scans",
        headers=aws_api.headers(),
    )
    first_scan = _wait(aws_api, client_id, scan.json()["id"])
    assert instances_found(first_scan) == 1

    organizations = moto_clients.as_account("organizations", org.management_account_id)
    organizations.close_account(AccountId=closing)
    organizations.remove_account_from_organization(AccountId=leaving)
    sync = aws_api.client.post(
        f"/api/v1/tenants/{client_id}/integrations/{parent['id']}/organization/sync",
        headers=aws_api.headers(),
    ).json()
    assert set(sync["statusChanged"]) == {children[closing], children[leaving]}
    detail = aws_api.client.get(
        _url(client_id, f"installed/{parent['id']}"), headers=aws_api.headers()
    ).json()
    status = {c["accountNumber"]: c["organizationStatus"] for c in detail["linkedAccounts"]}
    assert status[leaving] == "REMOVED"
    assert status[closing] in ("SUSPENDED", "PENDING_CLOSURE", "CLOSED")
    assert status[staying] == "ACTIVE"
    refused = aws_api.client.post(
        f"/api/v1/tenants/{client_id}/integrations/{children[closing]}/scans",
        headers=aws_api.headers(),
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "account_not_active")
    # The inventory of a closed account is kept.
    with aws_api.db.transaction() as session:
        kept = session.scalar(
            select(func.count()).where(
                Resource.integration_id == children[closing], Resource.deleted_at.is_(None)
            )
        )
    assert kept == first_scan["resourcesFound"] > 1


def test_organizational_unit_filters_choose_the_members(
    aws_api: Api, big_org: EmulatedOrganization
) -> None:
    client_id = aws_api.create_client("OU client")["uniqueId"]
    development = big_org.organizational_unit_ids["Development"]
    production = big_org.organizational_unit_ids["Production"]
    in_ou = {
        ou: {a.account_id for a in big_org.accounts if a.parent_id == ou}
        for ou in (development, production)
    }
    assert in_ou[development]
    assert in_ou[production]
    excluded = _install_parent(
        aws_api, client_id, big_org, excludeOrganizationalUnits=[development]
    )
    linked = {c["accountNumber"] for c in excluded["linkedAccounts"]}
    assert not linked & in_ou[development]
    assert in_ou[production] <= linked
    included = _install_parent(aws_api, client_id, big_org, includeOrganizationalUnits=[production])
    assert {c["accountNumber"] for c in included["linkedAccounts"]} == in_ou[production]
