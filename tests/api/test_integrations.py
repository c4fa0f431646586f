"""Installing AWS integrations over the OpsRamp-compatible API, on the emulated organization."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.app import Api
from tether.emulator import EmulatedOrganization, FaultProxy

REGIONS = "us-east-1,eu-west-1"


@pytest.fixture
def client_id(aws_api: Api) -> str:
    return str(aws_api.create_client(f"Acme {time.time_ns()}")["uniqueId"])


def install_body(org: EmulatedOrganization, account: str, **extra: Any) -> dict[str, Any]:
    body = {
        "displayName": "AWS prod",
        "credential": {
            "credentialType": "AWS",
            "AWSType": "IAM with AssumeRole",
            "Regions": REGIONS,
            "AccountNumber": org.trusted_account_id,
            "AccessKey": org.trusted_keys.access_key_id,
            "SecurityKey": org.trusted_keys.secret_access_key,
            "AssumeRoleARN": org.role_arns[account],
            "ExternalId": org.external_id,
        },
    }
    body.update(extra)
    return body


def _url(client_id: str, rest: str) -> str:
    return f"/api/v2/tenants/{client_id}/integrations/{rest}"


def installed_in(
    api: Api, client_id: str, org: EmulatedOrganization, account: str
) -> dict[str, Any]:
    """Install ``account``'s role and return the integration (the install must work)."""
    response = api.client.post(
        _url(client_id, "install/AWS"), json=install_body(org, account), headers=api.headers()
    )
    assert response.status_code == 200, response.text
    installed: dict[str, Any] = response.json()
    return installed


def test_install_answers_like_opsramp_and_never_echoes_the_secret(
    aws_api: Api, client_id: str, aws_org: EmulatedOrganization
) -> None:
    member = aws_org.onboarded_member_ids[0]
    response = aws_api.client.post(
        _url(client_id, "install/AWS"),
        json=install_body(aws_org, member),
        headers=aws_api.headers(),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"].startswith("INTG-")
    assert body["integration"] == {"id": "AWS", "name": "AWS"}
    assert body["installedBy"] == "api:bootstrap"
    assert body["status"] == "enabled"
    assert body["credential"]["AccountNumber"] == aws_org.trusted_account_id
    assert body["credential"]["AccessKey"] == "****" + aws_org.trusted_keys.access_key_id[-4:]
    assert aws_org.trusted_keys.secret_access_key not in response.text
    assert body["accountNumber"] == member
    assert body["regions"] == REGIONS.split(",")
    assert body["authorization"] == "full"
    assert [p["name"] for p in body["discoveryProfiles"]] == ["AWS Basic Discovery Profile"]
    assert all(r["outcome"] == "passed" for r in body["regionAuthorization"])

    found = aws_api.client.get(
        _url(client_id, "installed/search"),
        params={"queryString": f"accountNumber:{member}"},
        headers=aws_api.headers(),
    ).json()
    assert [i["id"] for i in found["results"]] == [body["id"]]
    got = aws_api.client.get(_url(client_id, f"installed/{body['id']}"), headers=aws_api.headers())
    assert got.status_code == 200
    assert aws_org.trusted_keys.secret_access_key not in got.text


def test_a_failed_validation_stores_nothing_and_names_the_region(
    aws_api: Api, client_id: str, aws_org: EmulatedOrganization, aws_faults: FaultProxy
) -> None:
    member = aws_org.onboarded_member_ids[0]
    aws_faults.add_rule("access_denied", account_id=member, region="eu-west-1", service="ec2")
    response = aws_api.client.post(
        _url(client_id, "install/AWS"),
        json=install_body(aws_org, member),
        headers=aws_api.headers(),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed"
    assert "eu-west-1: access denied by IAM" in body["message"]
    assert body["validation"]["ok"] is False
    search = aws_api.client.get(_url(client_id, "installed/search"), headers=aws_api.headers())
    assert search.json()["totalResults"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"displayName": ""}, "displayName"),
        ({"credential": {"AWSType": "Magic"}}, "credential.AWSType"),
        ({"credential": {"Regions": "us-east-1,mars-north-1"}}, "credential.Regions"),
        ({"credential": {"AccountNumber": "12"}}, "credential.AccountNumber"),
        ({"credential": {"AssumeRoleARN": "arn:aws:s3:::bucket"}}, "credential.AssumeRoleARN"),
        ({"credential": {"ExternalId": "x"}}, "credential.ExternalId"),
        ({"credential": {"Password": "x"}}, "credential.Password"),
        ({"memberRoleName": "bad role"}, "memberRoleName"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_install_input_names_the_field(
    aws_api: Api, client_id: str, aws_org: EmulatedOrganization, change: dict[str, Any], field: str
) -> None:
    body = install_body(aws_org, aws_org.onboarded_member_ids[0])
    for key, value in change.items():
        if key == "credential":
            body["credential"].update(value)
        else:
            body[key] = value
    response = aws_api.client.post(
        _url(client_id, "install/AWS"), json=body, headers=aws_api.headers()
    )
    assert response.status_code == 400, response.text
    assert field in response.json()["fields"]
    assert aws_org.trusted_keys.secret_access_key not in response.text


def test_integrations_live_in_client_tenants_only(
    aws_api: Api, aws_org: EmulatedOrganization
) -> None:
    response = aws_api.client.post(
        _url(aws_api.partner_id, "install/AWS"),
        json=install_body(aws_org, aws_org.onboarded_member_ids[0]),
        headers=aws_api.headers(),
    )
    assert (response.status_code, response.json()["code"]) == (404, "not_a_client")


def _wait(api: Api, client_id: str, scan_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        scan = api.client.get(f"/api/v1/tenants/{client_id}/scans/{scan_id}", headers=api.headers())
        body: dict[str, Any] = scan.json()
        if body["status"] not in ("queued", "running"):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def test_scan_now_collects_ec2_instances_and_disable_stops_scans(
    aws_api: Api, client_id: str, aws_org: EmulatedOrganization
) -> None:
    member = aws_org.onboarded_member_ids[0]
    installed = installed_in(aws_api, client_id, aws_org, member)
    integration = installed["id"]
    scans = f"/api/v1/tenants/{client_id}/integrations/{integration}/scans"
    started = aws_api.client.post(scans, headers=aws_api.headers())
    assert started.status_code == 200, started.text
    scan = _wait(aws_api, client_id, started.json()["id"])
    assert scan["status"] == "ok", scan
    # The install's profile selects every type: a unit per region and type, global ones once.
    instances = [u for u in scan["units"] if u["resourceType"] == "DEVICE"]
    assert {(u["region"], u["status"]) for u in instances} == {
        ("us-east-1", "ok"),
        ("eu-west-1", "ok"),
    }
    assert {u["region"] for u in scan["units"]} == {"us-east-1", "eu-west-1", "global"}
    assert scan["unitCounts"] == {"ok": len(scan["units"])}
    seeded = [
        r
        for r in aws_org.resources_in(account_id=member, resource_type="AWS::EC2::Instance")
        if r.region in REGIONS.split(",")
    ]
    assert sum(u["resources"] for u in instances) == len(seeded) > 0

    assert (
        aws_api.client.post(
            _url(client_id, f"installed/{integration}/disable"), headers=aws_api.headers()
        ).json()["status"]
        == "disabled"
    )
    refused = aws_api.client.post(scans, headers=aws_api.headers())
    assert (refused.status_code, refused.json()["code"]) == (409, "integration_disabled")
    assert (
        aws_api.client.post(
            _url(client_id, f"installed/{integration}/enable"), headers=aws_api.headers()
        ).json()["status"]
        == "enabled"
    )
    assert aws_api.client.post(scans, headers=aws_api.headers()).status_code == 200


def test_uninstall_needs_a_reason(
    aws_api: Api, client_id: str, aws_org: EmulatedOrganization
) -> None:
    installed = installed_in(aws_api, client_id, aws_org, aws_org.onboarded_member_ids[0])
    url = _url(client_id, f"installed/{installed['id']}")
    missing = aws_api.client.request("DELETE", url, json={}, headers=aws_api.headers())
    assert (missing.status_code, missing.json()["fields"]) == (400, ["uninstallReason"])
    done = aws_api.client.request(
        "DELETE", url, json={"uninstallReason": "moved to another tool"}, headers=aws_api.headers()
    )
    assert done.status_code == 200
    assert aws_api.client.get(url, headers=aws_api.headers()).status_code == 404


def test_update_renames_and_revalidates_regions_and_keys(
    aws_api: Api, client_id: str, aws_org: EmulatedOrganization, aws_faults: FaultProxy
) -> None:
    member = aws_org.onboarded_member_ids[0]
    installed = installed_in(aws_api, client_id, aws_org, member)
    url = _url(client_id, f"installed/{installed['id']}")
    renamed = aws_api.client.post(
        url, json={"displayName": "AWS production"}, headers=aws_api.headers()
    )
    assert renamed.json()["displayName"] == "AWS production"
    assert renamed.json()["deletedResourceRetentionDays"] == 7
    kept_longer = aws_api.client.post(
        url, json={"deletedResourceRetentionDays": 30}, headers=aws_api.headers()
    )
    assert kept_longer.json()["deletedResourceRetentionDays"] == 30

    more = aws_api.client.post(
        url, json={"credential": {"Regions": "us-east-1,ap-southeast-2"}}, headers=aws_api.headers()
    )
    assert more.status_code == 200, more.text
    assert more.json()["regions"] == ["us-east-1", "ap-southeast-2"]

    aws_faults.add_rule("region_disabled", account_id=member, region="eu-west-1", service="ec2")
    refused = aws_api.client.post(
        url, json={"credential": {"Regions": "us-east-1,eu-west-1"}}, headers=aws_api.headers()
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "validation_failed")
    assert "eu-west-1" in refused.json()["message"]
    unchanged = aws_api.client.get(url, headers=aws_api.headers()).json()
    assert unchanged["regions"] == ["us-east-1", "ap-southeast-2"]

    bad_key = aws_api.client.post(
        url,
        json={"credential": {"AccessKey": "AKIAUNKNOWNKEY000000", "SecurityKey": "x" * 40}},
        headers=aws_api.headers(),
    )
    assert (bad_key.status_code, bad_key.json()["code"]) == (400, "validation_failed")
    for body, field in [
        ({"credential": {"AWSType": "IAM"}}, "credential.AWSType"),
        ({"credential": {"Regions": "nowhere-1"}}, "credential.Regions"),
        ({"owner": "me"}, "owner"),
        ({"deletedResourceRetentionDays": 0}, "deletedResourceRetentionDays"),
    ]:
        response = aws_api.client.post(url, json=body, headers=aws_api.headers())
        assert response.status_code == 400, response.text
        assert field in response.json()["fields"]


def test_another_clients_integration_is_not_found(
    aws_api: Api, client_id: str, aws_org: EmulatedOrganization
) -> None:
    from tether.domain.tenancy import Role

    installed = installed_in(aws_api, client_id, aws_org, aws_org.onboarded_member_ids[0])
    other = aws_api.create_client("Other client")["uniqueId"]
    key, secret = aws_api.add_api_client(other, Role.CLIENT_ADMIN, name="other-admin")
    headers = aws_api.headers(key, secret)
    for method, path in [
        ("GET", f"installed/{installed['id']}"),
        ("POST", f"installed/{installed['id']}/disable"),
    ]:
        own_tenant = aws_api.client.request(method, _url(other, path), headers=headers)
        assert own_tenant.status_code == 404
        foreign = aws_api.client.request(method, _url(client_id, path), headers=headers)
        assert (foreign.status_code, foreign.json()["code"]) == (404, "tenant_not_found")
    viewer_key, viewer_secret = aws_api.add_api_client(client_id, Role.VIEWER, name="viewer")
    viewer = aws_api.headers(viewer_key, viewer_secret)
    assert (
        aws_api.client.get(
            _url(client_id, f"installed/{installed['id']}"), headers=viewer
        ).status_code
        == 200
    )
    assert (
        aws_api.client.post(
            _url(client_id, f"installed/{installed['id']}/disable"), headers=viewer
        ).status_code
        == 403
    )
