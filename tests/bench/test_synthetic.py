"""boto3 and Tether's own collector read every answer of the synthetic endpoint."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from bench.synthetic import SyntheticEndpoint
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.retries.standard import RetryContext, ThrottledRetryableChecker

from tests.bench.conftest import REGIONS, identity_in
from tether.aws.calls import invoke
from tether.aws.organizations import list_accounts, management_account_id
from tether.catalog.base import ResourceSpec, Where
from tether.catalog.common import tag_map
from tether.catalog.registry import RESOURCE_TYPES, services
from tether.catalog.services import DESCRIBE_REGIONS, REGION_CHECK
from tether.discovery.collector import collect

ONE_TRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def _client(
    endpoint: SyntheticEndpoint, service: str, account_id: str, region: str = "us-east-1"
) -> Any:
    return identity_in(endpoint, account_id).client(service, region)


def _scope_regions(spec: ResourceSpec) -> tuple[str, ...]:
    return ("us-east-1",) if spec.service.is_global else REGIONS


@pytest.mark.parametrize("spec", RESOURCE_TYPES, ids=lambda spec: spec.type_code)
def test_collector_finds_the_ground_truth_of_every_type(
    synthetic: SyntheticEndpoint, spec: ResourceSpec
) -> None:
    truth = synthetic.ground_truth()["by_account_region_type"]
    account = synthetic.info["accounts"][1]
    identity = identity_in(synthetic, account)
    for region in _scope_regions(spec):
        records = collect(identity, spec, Where("aws", account, region)).records
        scope = "global" if spec.service.is_global else region
        assert len(records) == truth[f"{account}/{scope}/{spec.type_code}"] > 0
        assert len({r.arn for r in records}) == len(records)
        assert all(r.account_id == account and r.resource_type == spec.type_code for r in records)
        ids = synthetic.ids(account, region, spec.type_code)
        assert all(any(i in r.arn for i in ids) for r in records), records[0].arn


def test_every_probe_answers(synthetic: SyntheticEndpoint) -> None:
    account = synthetic.info["accounts"][2]
    identity = identity_in(synthetic, account)
    for service in services():
        region = "us-east-1" if service.is_global else REGIONS[1]
        invoke(identity.client(service.client_name, region), service.probe)
    assert synthetic.stats()["unknown_operations"] == {}


def test_onboarding_calls(synthetic: SyntheticEndpoint) -> None:
    info = synthetic.info
    management = info["management_account_id"]
    identity = identity_in(synthetic, management)
    sts = identity.client("sts", "eu-west-1").get_caller_identity()
    assert sts["Account"] == management
    assert ":assumed-role/" in sts["Arn"]
    assert management_account_id(identity) == management
    accounts = list_accounts(identity, with_parents=True)
    assert [a.account_id for a in accounts] == info["accounts"]
    assert all(a.active and a.parent_ids for a in accounts)
    regions = invoke(identity.client("ec2", "us-east-1"), DESCRIBE_REGIONS)["Regions"]
    statuses = {r["RegionName"]: r["OptInStatus"] for r in regions}
    assert statuses["us-east-1"] == "opt-in-not-required"
    assert statuses["af-south-1"] == "not-opted-in"
    zones = invoke(identity.client("ec2", "eu-west-1"), REGION_CHECK)["AvailabilityZones"]
    assert zones[0]["ZoneName"] == "eu-west-1a"
    listed = identity.client("account", "us-east-1").list_regions()["Regions"]
    assert {"RegionName": "eu-west-1", "RegionOptStatus": "ENABLED_BY_DEFAULT"} in listed


def test_members_may_not_list_the_organization(synthetic: SyntheticEndpoint) -> None:
    identity = identity_in(synthetic, synthetic.info["accounts"][1])
    with pytest.raises(ClientError) as raised:
        identity.client("organizations", "us-east-1").list_accounts()
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"


def _trusted_sts(synthetic: SyntheticEndpoint) -> Any:
    info = synthetic.info
    return boto3.client(
        "sts", region_name="us-east-1", endpoint_url=synthetic.endpoint_url,
        aws_access_key_id=info["access_key_id"], aws_secret_access_key=info["secret_access_key"],
        config=ONE_TRY,
    )  # fmt: skip


@pytest.mark.parametrize("external_id", [None, "wrong-external-id"])
def test_assume_role_needs_the_external_id(
    synthetic: SyntheticEndpoint, external_id: str | None
) -> None:
    role = f"arn:aws:iam::{synthetic.info['accounts'][1]}:role/{synthetic.info['role_name']}"
    params = {"RoleArn": role, "RoleSessionName": "bench"}
    if external_id:
        params["ExternalId"] = external_id
    with pytest.raises(ClientError) as raised:
        _trusted_sts(synthetic).assume_role(**params)
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_access_keys_are_refused(synthetic: SyntheticEndpoint) -> None:
    ec2 = boto3.client(
        "ec2", region_name="us-east-1", endpoint_url=synthetic.endpoint_url,
        aws_access_key_id="AKIA000000000000NOPE", aws_secret_access_key="x", config=ONE_TRY,
    )  # fmt: skip
    with pytest.raises(ClientError) as raised:
        ec2.describe_vpcs()
    assert raised.value.response["Error"]["Code"] == "AuthFailure"


def test_a_full_paginate_returns_the_ground_truth(synthetic: SyntheticEndpoint) -> None:
    account = synthetic.info["accounts"][0]
    truth = synthetic.ground_truth()["by_account_region_type"]
    cases = [
        ("ec2", "describe_volumes", "Volumes", 5, "EBS", "us-east-1"),
        ("iam", "list_roles", "Roles", 3, "AWS_IAM_ROLE", "global"),
        ("s3", "list_buckets", "Buckets", 2, "AWS_S3_BUCKET", "global"),
        ("lambda", "list_functions", "Functions", 2, "LAMBDA", "eu-west-1"),
        ("sqs", "list_queues", "QueueUrls", 1, "SQS", "eu-west-1"),
        ("cloudwatch", "describe_alarms", "MetricAlarms", 2, "AWS_CLOUDWATCH_ALARM", "us-east-1"),
        ("route53", "list_hosted_zones", "HostedZones", 1, "AWS_HOSTED_ZONE", "global"),
        ("cloudfront", "list_distributions", "DistributionList", 1, "CLOUDFRONT", "global"),
        ("elbv2", "describe_target_groups", "TargetGroups", 1, "AWS_TARGET_GROUP", "eu-west-1"),
    ]
    for service, operation, key, size, code, scope in cases:
        region = "us-east-1" if scope == "global" else scope
        client = _client(synthetic, service, account, region)
        config = {"PaginationConfig": {"PageSize": size}}
        pages = list(client.get_paginator(operation).paginate(**config))
        if key == "DistributionList":
            found = [item for page in pages for item in page[key].get("Items", [])]
        else:
            found = [item for page in pages for item in page.get(key, [])]
        expected = truth[f"{account}/{scope}/{code}"]
        assert len(found) == expected, (service, operation)
        assert len(pages) == max(1, -(-expected // size)), (service, operation)


def test_unknown_operations_get_a_minimal_answer_and_are_counted(
    synthetic: SyntheticEndpoint,
) -> None:
    account = synthetic.info["accounts"][0]
    assert _client(synthetic, "ec2", account).describe_key_pairs()["KeyPairs"] == []
    assert _client(synthetic, "lambda", account).list_layers()["Layers"] == []
    assert _client(synthetic, "config", account).describe_config_rules()["ConfigRules"] == []
    unknown = synthetic.stats()["unknown_operations"]
    assert unknown["ec2:DescribeKeyPairs"] >= 1
    assert unknown["lambda:ListLayers"] >= 1


def test_mutate_changes_owner_tags() -> None:
    # An endpoint of its own: the session's is shared by tests that expect unmutated tags.
    with SyntheticEndpoint(3, REGIONS, latency_ms=(0, 0), seed=3, scale=1.0) as own:
        account = own.info["accounts"][2]
        identity = identity_in(own, account)
        spec = next(s for s in RESOURCE_TYPES if s.type_code == "EBS")

        def owners() -> dict[str, str | None]:
            records = collect(identity, spec, Where("aws", account, "us-east-1")).records
            return {r.arn: r.tags.get("Owner") for r in records}

        before = owners()
        assert set(before.values()) == {"platform"}
        assert own.mutate(0.5, seed=7) > 0
        after = owners()
    assert after.keys() == before.keys()
    assert 0 < sum(after[arn] != before[arn] for arn in before) < len(before)
    assert tag_map([{"Key": "k", "Value": "v"}]) == {"k": "v"}


def test_stats_report_buckets_and_the_longest_chain(synthetic: SyntheticEndpoint) -> None:
    synthetic.reset_stats()
    account = synthetic.info["accounts"][1]
    _client(synthetic, "ec2", account, "eu-west-1").describe_vpcs(MaxResults=5)
    stats = synthetic.stats()
    assert stats["by_operation"]["ec2:DescribeVpcs"] == {"calls": 1, "throttled": 0}
    bucket = next(b for b in stats["buckets"] if b["family"] == "ec2" and b["account"] == account)
    assert (bucket["region"], bucket["burst"], bucket["rate"], bucket["peak_1s"]) == (
        "eu-west-1",
        100,
        20,
        1,
    )
    assert stats["longest_chain"] >= 2


@pytest.fixture(scope="module")
def throttling() -> Any:
    with SyntheticEndpoint(2, ("us-east-1",), latency_ms=(0, 0), seed=5) as endpoint:
        yield endpoint


@pytest.mark.parametrize(
    ("service", "call", "burst", "code", "status"),
    [
        ("lambda", lambda c: c.list_functions(), 15, "TooManyRequestsException", 429),
        ("ec2", lambda c: c.describe_vpcs(MaxResults=5), 100, "RequestLimitExceeded", 503),
        ("elb", lambda c: c.describe_load_balancers(), 40, "Throttling", 400),
        ("rds", lambda c: c.describe_db_instances(), 300, "Throttling", 400),
    ],
    ids=["lambda", "ec2", "elb", "rds"],
)
def test_throttled_calls_answer_as_aws_does(
    throttling: SyntheticEndpoint, service: str, call: Any, burst: int, code: str, status: int
) -> None:
    credentials = identity_in(throttling, throttling.info["accounts"][1]).credentials
    client = boto3.client(
        service, region_name="us-east-1", endpoint_url=throttling.endpoint_url,
        aws_access_key_id=credentials.access_key, aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token, config=ONE_TRY,
    )  # fmt: skip
    errors: list[ClientError] = []
    for _ in range(2 * burst + 20):
        try:
            call(client)
        except ClientError as error:
            errors.append(error)
            break
    assert errors, "no call was throttled"
    response = errors[0].response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (
        code,
        status,
    )
    context = RetryContext(attempt_number=1, parsed_response=response)
    assert ThrottledRetryableChecker().is_retryable(context)
    buckets = [b for b in throttling.stats()["buckets"] if b["throttled"]]
    assert all(b["peak_1s"] <= b["burst"] + b["rate"] + 10 for b in buckets)
