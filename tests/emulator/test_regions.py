"""Opt-in regions an account has not enabled: refused calls, and DescribeRegions that says so."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.plugin import EmulatorClients
from tether.emulator import (
    OPT_IN_REGIONS,
    AccessKeys,
    CallKey,
    EmulatedOrganization,
    FaultProxy,
    all_regions,
)

DISABLED = frozenset({"af-south-1", "me-south-1", "il-central-1"})
ALL = frozenset(all_regions())


@pytest.fixture(scope="module")
def first_keys(aws_org: EmulatedOrganization, aws_clients: EmulatorClients) -> AccessKeys:
    role_arn = aws_org.role_arns[aws_org.member_account_ids[0]]
    return aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)


@pytest.fixture(scope="module")
def second_keys(aws_org: EmulatedOrganization, aws_clients: EmulatorClients) -> AccessKeys:
    role_arn = aws_org.role_arns[aws_org.member_account_ids[1]]
    return aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)


def _statuses(aws_clients: EmulatorClients, keys: AccessKeys, **params: Any) -> dict[str, str]:
    """RegionName -> OptInStatus, checking each region's Endpoint on the way."""
    answer = aws_clients.client("ec2", keys).describe_regions(**params)
    statuses: dict[str, str] = {}
    for region in answer["Regions"]:
        assert region["Endpoint"] == f"ec2.{region['RegionName']}.amazonaws.com"
        statuses[region["RegionName"]] = region["OptInStatus"]
    return statuses


def _expected(regions: frozenset[str], disabled: frozenset[str]) -> dict[str, str]:
    def status(region: str) -> str:
        if region in disabled:
            return "not-opted-in"
        return "opted-in" if region in OPT_IN_REGIONS else "opt-in-not-required"

    return {region: status(region) for region in regions}


def test_botocore_knows_every_opt_in_region_and_the_default_ones() -> None:
    assert OPT_IN_REGIONS < ALL
    assert {"us-east-1", "eu-west-1", "ap-northeast-3"} <= ALL - OPT_IN_REGIONS


def test_describe_regions_lists_only_enabled_regions(
    aws_clients: EmulatorClients, aws_faults: FaultProxy, first_keys: AccessKeys
) -> None:
    aws_faults.set_disabled_regions(DISABLED)
    assert _statuses(aws_clients, first_keys) == _expected(ALL - DISABLED, DISABLED)


def test_describe_all_regions_gives_each_opt_in_status(
    aws_clients: EmulatorClients, aws_faults: FaultProxy, first_keys: AccessKeys
) -> None:
    aws_faults.set_disabled_regions(DISABLED)
    assert _statuses(aws_clients, first_keys, AllRegions=True) == _expected(ALL, DISABLED)


@pytest.mark.parametrize(
    ("all_regions_flag", "values", "expected"),
    [
        (True, ["not-opted-in"], DISABLED),
        (False, ["not-opted-in"], frozenset()),
        (False, ["opted-in"], OPT_IN_REGIONS - DISABLED),
        (True, ["opt-in-not-required", "opted-in"], ALL - DISABLED),
        (True, ["opt-in-not-required"], ALL - OPT_IN_REGIONS),
    ],
)
def test_opt_in_status_filter(
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    first_keys: AccessKeys,
    all_regions_flag: bool,
    values: list[str],
    expected: frozenset[str],
) -> None:
    aws_faults.set_disabled_regions(DISABLED)
    filters = [{"Name": "opt-in-status", "Values": values}]
    got = _statuses(aws_clients, first_keys, AllRegions=all_regions_flag, Filters=filters)
    assert got == _expected(expected, DISABLED)


def test_region_names_are_listed_whatever_their_status_and_filters_combine(
    aws_clients: EmulatorClients, aws_faults: FaultProxy, first_keys: AccessKeys
) -> None:
    aws_faults.set_disabled_regions(DISABLED)
    named = _statuses(aws_clients, first_keys, RegionNames=["af-south-1", "eu-west-1"])
    assert named == {"af-south-1": "not-opted-in", "eu-west-1": "opt-in-not-required"}
    filters = [
        {"Name": "endpoint", "Values": ["ec2.me-*.amazonaws.com"]},
        {"Name": "opt-in-status", "Values": ["opted-in"]},
    ]
    assert _statuses(aws_clients, first_keys, Filters=filters) == {"me-central-1": "opted-in"}


@pytest.mark.parametrize(
    ("params", "status", "code", "message"),
    [
        (
            {"RegionNames": ["us-east-1", "mars-north-1"]},
            400,
            "InvalidParameterValue",
            "Invalid region: [mars-north-1]",
        ),
        (
            {"Filters": [{"Name": "state", "Values": ["x"]}]},
            400,
            "InvalidParameterValue",
            "The filter 'state' is invalid",
        ),
        (
            {"DryRun": True},
            412,
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        ),
    ],
)
def test_describe_regions_errors(
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    first_keys: AccessKeys,
    params: dict[str, Any],
    status: int,
    code: str,
    message: str,
) -> None:
    with pytest.raises(ClientError) as raised:
        aws_clients.client("ec2", first_keys).describe_regions(**params)
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert (response["Error"]["Code"], response["Error"]["Message"]) == (code, message)


@pytest.mark.parametrize(
    ("service", "call", "status", "code"),
    [
        ("ec2", "describe_vpcs", 401, "AuthFailure"),
        ("sts", "get_caller_identity", 403, "InvalidClientTokenId"),
        ("rds", "describe_db_instances", 403, "InvalidClientTokenId"),
        ("dynamodb", "list_tables", 400, "UnrecognizedClientException"),
        ("lambda", "list_functions", 403, "UnrecognizedClientException"),
    ],
)
def test_call_to_a_region_not_enabled_fails_per_protocol(
    aws_org: EmulatedOrganization,
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    first_keys: AccessKeys,
    service: str,
    call: str,
    status: int,
    code: str,
) -> None:
    aws_faults.set_disabled_regions(DISABLED)
    with pytest.raises(ClientError) as raised:
        getattr(aws_clients.client(service, first_keys, "me-south-1"), call)()
    response = raised.value.response
    assert (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]) == (
        status,
        code,
    )
    # An opt-in region that is enabled works.
    getattr(aws_clients.client(service, first_keys, "me-central-1"), call)()
    counters = aws_faults.counters().total(aws_org.member_account_ids[0], service=service)
    assert (counters.requests, counters.faults) == (2, 1)


def test_setting_for_one_account_leaves_the_others_alone(
    aws_org: EmulatedOrganization,
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    first_keys: AccessKeys,
    second_keys: AccessKeys,
) -> None:
    first, second = aws_org.member_account_ids[:2]
    aws_faults.set_disabled_regions(["ap-east-1"], account_id=first)
    with pytest.raises(ClientError) as raised:
        aws_clients.client("ec2", first_keys, "ap-east-1").describe_vpcs()
    assert raised.value.response["Error"]["Code"] == "AuthFailure"
    aws_clients.client("ec2", second_keys, "ap-east-1").describe_vpcs()
    assert _statuses(aws_clients, first_keys, RegionNames=["ap-east-1"]) == {
        "ap-east-1": "not-opted-in"
    }
    assert _statuses(aws_clients, second_keys, RegionNames=["ap-east-1"]) == {
        "ap-east-1": "opted-in"
    }
    counters = aws_faults.counters()
    assert counters[CallKey(first, "ap-east-1", "ec2", "DescribeVpcs")].faults == 1
    assert counters[CallKey(second, "ap-east-1", "ec2", "DescribeVpcs")].faults == 0


def test_account_setting_replaces_the_default(
    aws_org: EmulatedOrganization,
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    first_keys: AccessKeys,
    second_keys: AccessKeys,
) -> None:
    aws_faults.set_disabled_regions(DISABLED)
    aws_faults.set_disabled_regions([], account_id=aws_org.member_account_ids[1])
    assert aws_faults.disabled_regions(aws_org.member_account_ids[0]) == DISABLED
    assert aws_faults.disabled_regions(aws_org.member_account_ids[1]) == frozenset()
    with pytest.raises(ClientError):
        aws_clients.client("dynamodb", first_keys, "il-central-1").list_tables()
    aws_clients.client("dynamodb", second_keys, "il-central-1").list_tables()
    aws_faults.reset()
    aws_clients.client("dynamodb", first_keys, "il-central-1").list_tables()


def test_only_opt_in_regions_can_be_disabled(aws_faults: FaultProxy) -> None:
    with pytest.raises(ValueError, match="us-east-1"):
        aws_faults.set_disabled_regions(["af-south-1", "us-east-1"])
    assert aws_faults.disabled_regions() == frozenset()
