"""The emulated organization: accounts, OUs, roles and seeded resources, seen through AWS APIs."""

from __future__ import annotations

from collections import Counter

import pytest
from botocore.exceptions import ClientError

from tests.emulator.plugin import EmulatorClients
from tether.emulator import (
    DEFAULT_REGIONS,
    EmulatedOrganization,
    FaultProxy,
    MemberSpec,
    MotoServer,
    OrganizationSpec,
    build_organization,
)


def test_organization_lists_management_and_members_in_their_ous(
    aws_org: EmulatedOrganization, moto_clients: EmulatorClients
) -> None:
    org = moto_clients.as_account("organizations", aws_org.management_account_id)
    listed = {a["Id"] for a in org.list_accounts()["Accounts"]}
    assert listed == {aws_org.management_account_id, *aws_org.member_account_ids}
    assert len(aws_org.member_account_ids) == 4
    assert aws_org.trusted_account_id not in listed
    assert set(aws_org.organizational_unit_ids) == {"Production", "Development"}
    for name, ou_id in aws_org.organizational_unit_ids.items():
        in_ou = {a["Id"] for a in org.list_accounts_for_parent(ParentId=ou_id)["Accounts"]}
        expected = {a.account_id for a in aws_org.accounts if a.parent_id == ou_id}
        assert in_ou == expected, name
    production = aws_org.organizational_unit_ids["Production"]
    assert [a.name for a in aws_org.accounts if a.parent_id == production] == [
        "member-1",
        "member-3",
    ]


def test_roles_trust_the_trusted_account_with_the_external_id(
    aws_org: EmulatedOrganization, moto_clients: EmulatorClients
) -> None:
    with_role = [a for a in aws_org.accounts if a.role_arn]
    assert [a.kind for a in with_role] == ["management", "member", "member", "member"]
    for account in with_role:
        iam = moto_clients.as_account("iam", account.account_id)
        role = iam.get_role(RoleName=aws_org.role_name)["Role"]
        assert role["Arn"] == account.role_arn == aws_org.role_arns[account.account_id]
        (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"AWS": f"arn:aws:iam::{aws_org.trusted_account_id}:root"}
        assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": aws_org.external_id}}


def test_member_without_role_has_only_the_organizations_role(
    aws_org: EmulatedOrganization, moto_clients: EmulatorClients
) -> None:
    (bare,) = [a for a in aws_org.accounts if a.role_arn is None]
    assert bare.name == "member-4-no-role"
    iam = moto_clients.as_account("iam", bare.account_id)
    with pytest.raises(ClientError) as raised:
        iam.get_role(RoleName=aws_org.role_name)
    assert raised.value.response["Error"]["Code"] == "NoSuchEntity"
    names = [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert names == ["OrganizationAccountAccessRole"]


def test_ground_truth_has_the_same_resources_in_every_account_and_region(
    aws_org: EmulatedOrganization,
) -> None:
    assert aws_org.regions == DEFAULT_REGIONS
    assert len(aws_org.resources) == 5 * 3 * 8
    for account in aws_org.accounts:
        for region in aws_org.regions:
            found = aws_org.resources_in(account.account_id, region)
            assert Counter(r.resource_type for r in found) == {
                "AWS::EC2::VPC": 1,
                "AWS::EC2::Subnet": 1,
                "AWS::EC2::SecurityGroup": 1,
                "AWS::EC2::Instance": 2,
                "AWS::S3::Bucket": 1,
                "AWS::SQS::Queue": 1,
                "AWS::DynamoDB::Table": 1,
            }
            instances = aws_org.resources_in(account.account_id, region, "AWS::EC2::Instance")
            assert sorted(len(i.tags) for i in instances) == [0, 3]


def test_seeded_resources_are_what_each_assumed_role_sees(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients
) -> None:
    for account_id, role_arn in aws_org.role_arns.items():
        keys = aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)
        buckets = aws_clients.client("s3", keys).list_buckets()["Buckets"]
        expected_buckets = aws_org.resources_in(account_id, resource_type="AWS::S3::Bucket")
        assert {b["Name"] for b in buckets} == {r.resource_id for r in expected_buckets}
        for region in aws_org.regions:
            truth = {r.resource_id: r for r in aws_org.resources_in(account_id, region)}
            ec2 = aws_clients.client("ec2", keys, region)
            (vpc,) = [r for r in truth.values() if r.resource_type == "AWS::EC2::VPC"]
            reservations = ec2.describe_instances(
                Filters=[{"Name": "vpc-id", "Values": [vpc.resource_id]}]
            )["Reservations"]
            for instance in (i for r in reservations for i in r["Instances"]):
                seeded = truth.pop(instance["InstanceId"])
                tags = {t["Key"]: t["Value"] for t in instance.get("Tags", [])}
                assert tags == seeded.tag_map
            assert truth.pop(vpc.resource_id).resource_id in {
                v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]
            }
            queues = aws_clients.client("sqs", keys, region).list_queues()["QueueUrls"]
            assert [q.rsplit("/", 1)[-1] for q in queues] == ["tether-events"]
            tables = aws_clients.client("dynamodb", keys, region).list_tables()["TableNames"]
            assert tables == ["tether-inventory"]
            assert [
                r.resource_type for r in truth.values() if "EC2::Instance" in r.resource_type
            ] == []


def test_accounts_do_not_see_each_other(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients
) -> None:
    first, second = aws_org.member_account_ids[:2]
    keys = aws_clients.assume_role(
        aws_org.trusted_keys, aws_org.role_arns[first], aws_org.external_id
    )
    theirs = aws_org.resources_in(second, "us-east-1", "AWS::EC2::Instance")
    ec2 = aws_clients.client("ec2", keys)
    with pytest.raises(ClientError) as raised:
        ec2.describe_instances(InstanceIds=[theirs[0].resource_id])
    assert raised.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"
    buckets = {b["Name"] for b in aws_clients.client("s3", keys).list_buckets()["Buckets"]}
    assert not buckets & {r.resource_id for r in aws_org.resources_in(second)}
    identity = aws_clients.client("sts", keys).get_caller_identity()
    assert identity["Account"] == first
    assert identity["Arn"] == f"arn:aws:sts::{first}:assumed-role/TetherReadOnly/tether-test"


def test_custom_organization_without_external_id_and_without_seeding(
    moto_server: MotoServer, aws_org: EmulatedOrganization, aws_clients: EmulatorClients
) -> None:
    spec = OrganizationSpec(
        members=(MemberSpec("open", require_external_id=False),),
        regions=("eu-west-1",),
        organizational_units=(),
        seed_resources=False,
        role_name="VendorAudit",
    )
    small = build_organization(moto_server.endpoint_url, spec)
    assert small.resources == ()
    (member,) = small.member_account_ids
    assert {member, small.management_account_id}.isdisjoint(
        {a.account_id for a in aws_org.accounts}
    )
    assert small.role_arns[member] == f"arn:aws:iam::{member}:role/VendorAudit"
    keys = aws_clients.assume_role(small.trusted_keys, small.role_arns[member])
    identity = aws_clients.client("sts", keys, "eu-west-1").get_caller_identity()
    assert identity["Account"] == member


def test_organization_can_be_built_through_the_proxy(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, aws_faults: FaultProxy
) -> None:
    spec = OrganizationSpec(
        members=(MemberSpec("via-proxy"),), organizational_units=(), seed_resources=False
    )
    built = build_organization(aws_clients.endpoint_url, spec)
    (member,) = built.member_account_ids
    # Calls made with x-moto-account-id are counted for that account.
    counters = aws_faults.counters()
    management = built.management_account_id
    # CreateOrganization, ListRoots, CreateAccount; CreateRole and PutRolePolicy in each.
    assert counters.total(account_id=management, service="organizations").requests == 3
    assert counters.total(account_id=management, service="iam").requests == 2
    assert counters.total(account_id=member, service="iam").requests == 2
    keys = aws_clients.assume_role(built.trusted_keys, built.role_arns[member], built.external_id)
    assert aws_clients.client("sts", keys).get_caller_identity()["Account"] == member
