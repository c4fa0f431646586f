"""Sessions: AssumeRole with External ID, role chaining, client caching, refresh."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from tests.emulator.plugin import EmulatorClients
from tether.aws.sessions import AwsSessions, AwsSettings, role_session_name
from tether.aws.signing import NoIdentity
from tether.domain.credentials import AccessKey, RoleTarget
from tether.emulator import AccessKeys, EmulatedOrganization, FaultProxy


def _keys(org: EmulatedOrganization) -> AccessKey:
    return AccessKey(org.trusted_keys.access_key_id, org.trusted_keys.secret_access_key)


def test_assume_role_names_the_session_and_caches_clients(
    aws_faults: FaultProxy, aws_org: EmulatedOrganization
) -> None:
    sessions = AwsSessions(AwsSettings(endpoint_url=aws_faults.endpoint_url))
    member = aws_org.onboarded_member_ids[0]
    base = sessions.base(_keys(aws_org), "INTG-1234")
    identity = base.assume(RoleTarget(aws_org.role_arns[member], aws_org.external_id), "INTG-1234")
    assert identity.arn is not None
    assert identity.arn.endswith("/tether-INTG-1234")
    assert identity.client("sts", "eu-west-1").get_caller_identity()["Account"] == member
    assert identity.client("ec2", "eu-west-1") is identity.client("ec2", "eu-west-1")
    assert identity.client("ec2", "eu-west-1") is not identity.client("ec2", "us-east-1")


def test_identities_share_one_client_per_service_and_region_and_each_call_signs_as_its_own(
    aws_faults: FaultProxy, aws_org: EmulatedOrganization
) -> None:
    sessions = AwsSessions(AwsSettings(endpoint_url=aws_faults.endpoint_url))
    base = sessions.base(_keys(aws_org), "shared")
    members = aws_org.onboarded_member_ids[:2]
    identities = {
        member: base.assume(RoleTarget(aws_org.role_arns[member], aws_org.external_id), "shared")
        for member in members
    }
    views = [identities[member].client("ec2", "eu-west-1") for member in members]
    assert views[0].meta is views[1].meta  # one botocore client behind both views

    def work(turn: int) -> list[tuple[str, str, str]]:
        member = members[turn % 2]
        identity = identities[member]
        seen = []
        for _ in range(10):
            account = identity.client("sts", "eu-west-1").get_caller_identity()["Account"]
            pages = identity.client("ec2", "eu-west-1").get_paginator("describe_vpcs").paginate()
            owners = {vpc["OwnerId"] for page in pages for vpc in page["Vpcs"]}
            seen.append((member, account, ",".join(sorted(owners))))
        return seen

    with ThreadPoolExecutor(8) as pool:
        results = [row for rows in pool.map(work, range(8)) for row in rows]
    assert len(results) == 80
    assert all(account == member and owners == member for member, account, owners in results)


def test_a_shared_client_refuses_a_call_made_as_no_identity(
    aws_faults: FaultProxy,
) -> None:
    sessions = AwsSessions(AwsSettings(endpoint_url=aws_faults.endpoint_url))
    with pytest.raises(NoIdentity, match="outside any identity"):
        sessions.factory.client("sts", "us-east-1").get_caller_identity()


def test_chained_sessions_are_capped_at_one_hour(
    aws_faults: FaultProxy, aws_org: EmulatedOrganization, aws_clients: EmulatorClients
) -> None:
    # Two hours asked for: the management role allows one (MaxSessionDuration 3600), and the
    # member's role is reached by chaining, which AWS caps at one hour.
    sessions = AwsSessions(AwsSettings(endpoint_url=aws_faults.endpoint_url, session_seconds=7200))
    management = aws_org.management_account_id
    member = aws_org.onboarded_member_ids[0]
    base = sessions.base(_keys(aws_org), "chain")
    manager = base.assume(RoleTarget(aws_org.role_arns[management], aws_org.external_id), "chain")
    member_role = RoleTarget(f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole")
    chained = manager.assume(member_role, "chain")
    assert chained.client("sts", "us-east-1").get_caller_identity()["Account"] == member

    frozen = manager.credentials.get_frozen_credentials()
    manager_keys = AccessKeys(frozen.access_key, frozen.secret_key, frozen.token)
    with pytest.raises(ClientError, match="1 hour session limit"):
        aws_clients.assume_role(manager_keys, member_role.role_arn, duration_seconds=7200)


def test_role_session_names_fit_aws_rules() -> None:
    assert role_session_name("INTG-1f2e") == "tether-INTG-1f2e"
    assert role_session_name("a b/c") == "tether-a-b-c"
    assert len(role_session_name("x" * 100)) == 64


def test_short_lived_sessions_refresh_without_a_failed_call(
    aws_faults: FaultProxy, aws_org: EmulatedOrganization, aws_clients: EmulatorClients
) -> None:
    aws_faults.credential_lifetime_seconds = 6
    sessions = AwsSessions(AwsSettings(endpoint_url=aws_faults.endpoint_url))
    member = aws_org.onboarded_member_ids[0]
    identity = sessions.base(_keys(aws_org), "refresh").assume(
        RoleTarget(aws_org.role_arns[member], aws_org.external_id), "refresh"
    )
    first = identity.credentials.get_frozen_credentials()
    first_keys = AccessKeys(first.access_key, first.secret_key, first.token)

    def work(worker: int) -> int:
        calls = 0
        deadline = time.monotonic() + 15
        region = ("us-east-1", "eu-west-1")[worker % 2]
        while time.monotonic() < deadline:
            identity.client("ec2", region).describe_availability_zones()
            identity.client("sts", region).get_caller_identity()
            calls += 2
        return calls

    with ThreadPoolExecutor(4) as pool:
        calls = sum(pool.map(work, range(4)))  # any failed call raises here
    assert calls > 100
    counts = aws_faults.counters()
    assumed = sum(c.requests for k, c in counts.items() if k.action == "AssumeRole")
    assert assumed >= 3  # the first session and at least two refreshes
    assert sum(c.expired for c in counts.values()) == 0
    # The first session's credentials did expire: without the refresh, calls would fail.
    with pytest.raises(ClientError, match="RequestExpired"):
        aws_clients.client("ec2", first_keys).describe_availability_zones()


def test_identities_are_reused_per_credential_and_label(
    aws_faults: FaultProxy, aws_org: EmulatedOrganization
) -> None:
    from tether.domain.credentials import IamAssumeRole

    sessions = AwsSessions(AwsSettings(endpoint_url=aws_faults.endpoint_url))
    member = aws_org.onboarded_member_ids[0]
    credential = IamAssumeRole(
        aws_org.trusted_account_id,
        _keys(aws_org),
        RoleTarget(aws_org.role_arns[member], aws_org.external_id),
    )
    first = sessions.identity(credential, "INTG-1")
    assert sessions.identity(credential, "INTG-1") is first
    assert sessions.identity(credential, "INTG-2") is not first
    assumed = sum(c.requests for k, c in aws_faults.counters().items() if k.action == "AssumeRole")
    assert assumed == 2
    sessions.forget(credential, "INTG-1")
    assert sessions.identity(credential, "INTG-1") is not first
