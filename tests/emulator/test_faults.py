"""Each fault kind reaches boto3 with the exact code and HTTP status AWS would send."""

from __future__ import annotations

import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from tests.emulator.plugin import EmulatorClients, error_of
from tether.emulator import AccessKeys, EmulatedOrganization, FaultProxy

# Rules name a service by its SigV4 signing name; boto3 by its own name.
CLIENT_NAMES = {"monitoring": "cloudwatch"}


@pytest.fixture(scope="module")
def member_keys(aws_org: EmulatedOrganization, aws_clients: EmulatorClients) -> AccessKeys:
    """Credentials of the first member's onboarding role."""
    role_arn = aws_org.role_arns[aws_org.member_account_ids[0]]
    return aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)


# -- region_disabled -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "call", "status", "code"),
    [
        ("ec2", "describe_instances", 401, "AuthFailure"),
        ("rds", "describe_db_instances", 403, "InvalidClientTokenId"),
        ("dynamodb", "list_tables", 400, "UnrecognizedClientException"),
        ("sqs", "list_queues", 400, "UnrecognizedClientException"),
        ("lambda", "list_functions", 403, "UnrecognizedClientException"),
        ("s3", "list_buckets", 403, "InvalidAccessKeyId"),
        ("sts", "get_caller_identity", 403, "RegionDisabledException"),
    ],
)
def test_region_disabled_per_protocol(
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    member_keys: AccessKeys,
    service: str,
    call: str,
    status: int,
    code: str,
) -> None:
    aws_faults.add_rule("region_disabled", region="ap-southeast-2")
    client = aws_clients.client(service, member_keys, "ap-southeast-2")
    with pytest.raises(ClientError) as raised:
        getattr(client, call)()
    assert error_of(raised)[:2] == (status, code)
    # The same call in an enabled region goes through.
    getattr(aws_clients.client(service, member_keys, "eu-west-1"), call)()


def test_region_disabled_ec2_message(
    aws_clients: EmulatorClients, aws_faults: FaultProxy, member_keys: AccessKeys
) -> None:
    aws_faults.add_rule("region_disabled", service="ec2", region="ap-southeast-2")
    with pytest.raises(ClientError) as raised:
        aws_clients.client("ec2", member_keys, "ap-southeast-2").describe_vpcs()
    assert error_of(raised) == (
        401,
        "AuthFailure",
        "AWS was not able to validate the provided access credentials",
    )


def test_assume_role_in_a_region_where_sts_is_not_active(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, aws_faults: FaultProxy
) -> None:
    aws_faults.add_rule("region_disabled", service="sts", region="eu-west-1")
    role_arn = aws_org.role_arns[aws_org.management_account_id]
    with pytest.raises(ClientError) as raised:
        aws_clients.assume_role(
            aws_org.trusted_keys, role_arn, aws_org.external_id, region="eu-west-1"
        )
    assert error_of(raised) == (
        403,
        "RegionDisabledException",
        f"STS is not activated in this region for account:{aws_org.trusted_account_id}. Your"
        " account administrator can activate STS in this region using the IAM Console.",
    )
    aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)


# -- access_denied -------------------------------------------------------------------------


def test_access_denied_ec2_iam_wording(
    aws_org: EmulatedOrganization,
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    member_keys: AccessKeys,
) -> None:
    aws_faults.add_rule("access_denied", service="ec2", action="DescribeInstances")
    ec2 = aws_clients.client("ec2", member_keys)
    with pytest.raises(ClientError) as raised:
        ec2.describe_instances()
    caller = f"arn:aws:sts::{aws_org.member_account_ids[0]}:assumed-role/TetherReadOnly/tether-test"
    assert error_of(raised) == (
        403,
        "UnauthorizedOperation",
        f"You are not authorized to perform this operation. User: {caller} is not authorized"
        " to perform: ec2:DescribeInstances because no identity-based policy allows the"
        " ec2:DescribeInstances action",
    )
    ec2.describe_vpcs()


@pytest.mark.parametrize(
    ("service", "call", "status", "code"),
    [
        ("ec2", "describe_vpcs", 403, "UnauthorizedOperation"),
        ("rds", "describe_db_instances", 403, "AccessDenied"),
        ("dynamodb", "list_tables", 400, "AccessDeniedException"),
        ("lambda", "list_functions", 403, "AccessDeniedException"),
        ("s3", "list_buckets", 403, "AccessDenied"),
        ("monitoring", "list_metrics", 403, "AccessDenied"),
    ],
)
def test_access_denied_by_scp_per_protocol(
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    member_keys: AccessKeys,
    service: str,
    call: str,
    status: int,
    code: str,
) -> None:
    aws_faults.add_rule("access_denied", service=service, wording="scp")
    client = aws_clients.client(CLIENT_NAMES.get(service, service), member_keys)
    with pytest.raises(ClientError) as raised:
        getattr(client, call)()
    got_status, got_code, message = error_of(raised)
    assert (got_status, got_code) == (status, code)
    assert message.endswith("with an explicit deny in a service control policy")


# -- throttle ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "call", "status", "code", "message"),
    [
        ("ec2", "describe_instances", 503, "RequestLimitExceeded", "Request limit exceeded."),
        ("rds", "describe_db_instances", 400, "Throttling", "Rate exceeded"),
        ("sqs", "list_queues", 400, "ThrottlingException", "Rate exceeded"),
        ("lambda", "list_functions", 429, "TooManyRequestsException", "Rate exceeded"),
        ("s3", "list_buckets", 503, "SlowDown", "Please reduce your request rate."),
        ("monitoring", "list_metrics", 400, "Throttling", "Rate exceeded"),
    ],
)
def test_throttle_uses_the_service_code(
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    member_keys: AccessKeys,
    service: str,
    call: str,
    status: int,
    code: str,
    message: str,
) -> None:
    aws_faults.add_rule("throttle", service=service, first_n=1)
    client = aws_clients.client(CLIENT_NAMES.get(service, service), member_keys)
    with pytest.raises(ClientError) as raised:
        getattr(client, call)()
    assert error_of(raised) == (status, code, message)
    getattr(client, call)()


def test_dynamodb_throttle_code_can_be_chosen(
    aws_clients: EmulatorClients, aws_faults: FaultProxy, member_keys: AccessKeys
) -> None:
    aws_faults.add_rule("throttle", service="dynamodb")
    aws_faults.add_rule(
        "throttle", service="dynamodb", code="ProvisionedThroughputExceededException"
    )
    dynamodb = aws_clients.client("dynamodb", member_keys)
    with pytest.raises(ClientError) as raised:
        dynamodb.list_tables()
    assert error_of(raised)[:2] == (400, "ThrottlingException")
    aws_faults.clear_rules()
    aws_faults.add_rule(
        "throttle", service="dynamodb", code="ProvisionedThroughputExceededException"
    )
    with pytest.raises(ClientError) as raised:
        dynamodb.describe_table(TableName="tether-inventory")
    assert error_of(raised)[:2] == (400, "ProvisionedThroughputExceededException")


def test_throttle_is_retried_away_by_standard_retries(
    aws_org: EmulatedOrganization,
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    member_keys: AccessKeys,
) -> None:
    rule = aws_faults.add_rule("throttle", service="ec2", first_n=1)
    retrying = Config(retries={"total_max_attempts": 2, "mode": "standard"})
    ec2 = aws_clients.client("ec2", member_keys, "eu-west-1", config=retrying)
    answer = ec2.describe_vpcs()
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    assert rule.injected == 1
    counts = aws_faults.counters().total(aws_org.member_account_ids[0], "eu-west-1", "ec2")
    assert (counts.requests, counts.faults) == (2, 1)


# -- server_error and connection_reset -------------------------------------------------------


@pytest.mark.parametrize(("status", "code"), [(500, "InternalError"), (503, "ServiceUnavailable")])
def test_servererror_of(
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    member_keys: AccessKeys,
    status: int,
    code: str,
) -> None:
    aws_faults.add_rule("server_error", service="sqs", status=status)
    with pytest.raises(ClientError) as raised:
        aws_clients.client("sqs", member_keys).list_queues()
    assert error_of(raised)[:2] == (status, code)
    aws_faults.clear_rules()
    aws_faults.add_rule("server_error", service="ec2", status=status)
    with pytest.raises(ClientError) as raised:
        aws_clients.client("ec2", member_keys).describe_vpcs()
    assert error_of(raised)[:2] == (status, code)


def test_connection_reset(
    aws_clients: EmulatorClients, aws_faults: FaultProxy, member_keys: AccessKeys
) -> None:
    aws_faults.add_rule("connection_reset", service="ec2", first_n=1)
    ec2 = aws_clients.client("ec2", member_keys)
    with pytest.raises(ConnectionClosedError):
        ec2.describe_vpcs()
    assert ec2.describe_vpcs()["Vpcs"]


# -- latency -------------------------------------------------------------------------------


def test_latency_rule_delays_only_matching_requests(
    aws_clients: EmulatorClients, aws_faults: FaultProxy, member_keys: AccessKeys
) -> None:
    aws_faults.add_rule("latency", service="ec2", action="DescribeVpcs", latency_ms=(300, 350))
    ec2 = aws_clients.client("ec2", member_keys)
    started = time.monotonic()
    ec2.describe_vpcs()
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    ec2.describe_subnets()
    assert time.monotonic() - started < 0.3


def test_default_latency_applies_to_every_request(
    aws_clients: EmulatorClients, aws_faults: FaultProxy, member_keys: AccessKeys
) -> None:
    aws_faults.set_latency(200, 220)
    sqs = aws_clients.client("sqs", member_keys)
    started = time.monotonic()
    sqs.list_queues()
    aws_clients.client("s3", member_keys).list_buckets()
    assert time.monotonic() - started >= 0.4
    aws_faults.clear_latency()
    started = time.monotonic()
    sqs.list_queues()
    assert time.monotonic() - started < 0.2
