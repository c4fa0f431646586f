"""The proxy forwards faithfully, counts what it sees, and applies rule filters and limits."""

from __future__ import annotations

import http.client
import os
import urllib.parse
import uuid
from collections.abc import Iterator

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.emulator.plugin import EmulatorClients
from tether.emulator import AccessKeys, CallKey, EmulatedOrganization, FaultProxy


@pytest.fixture(scope="module")
def first_keys(aws_org: EmulatedOrganization, aws_clients: EmulatorClients) -> AccessKeys:
    role_arn = aws_org.role_arns[aws_org.member_account_ids[0]]
    return aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)


@pytest.fixture(scope="module")
def second_keys(aws_org: EmulatedOrganization, aws_clients: EmulatorClients) -> AccessKeys:
    role_arn = aws_org.role_arns[aws_org.member_account_ids[1]]
    return aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)


@pytest.fixture
def scratch_bucket(
    aws_clients: EmulatorClients, first_keys: AccessKeys
) -> Iterator[tuple[object, str]]:
    s3 = aws_clients.client("s3", first_keys)
    name = f"tether-scratch-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    yield s3, name
    for listed in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=listed["Key"])
    s3.delete_bucket(Bucket=name)


def test_counters_count_requests_and_faults_per_account_region_service_action(
    aws_org: EmulatedOrganization,
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    first_keys: AccessKeys,
) -> None:
    account = aws_org.member_account_ids[0]
    aws_faults.add_rule("throttle", service="ec2", action="DescribeSubnets", first_n=1)
    ec2 = aws_clients.client("ec2", first_keys, "eu-west-1")
    for _ in range(3):
        ec2.describe_vpcs()
    with pytest.raises(ClientError):
        ec2.describe_subnets()
    ec2.describe_subnets()
    aws_clients.client("dynamodb", first_keys, "eu-west-1").list_tables()
    counters = aws_faults.counters()
    vpcs = counters[CallKey(account, "eu-west-1", "ec2", "DescribeVpcs")]
    subnets = counters[CallKey(account, "eu-west-1", "ec2", "DescribeSubnets")]
    tables = counters[CallKey(account, "eu-west-1", "dynamodb", "ListTables")]
    assert (vpcs.requests, vpcs.faults) == (3, 0)
    assert (subnets.requests, subnets.faults) == (2, 1)
    assert (tables.requests, tables.faults) == (1, 0)
    assert counters.total(account_id=account).requests == 6
    assert counters.total(service="ec2").faults == 1
    aws_faults.reset_counters()
    assert len(aws_faults.counters()) == 0


def test_trust_rejections_are_counted(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, aws_faults: FaultProxy
) -> None:
    role_arn = aws_org.role_arns[aws_org.management_account_id]
    with pytest.raises(ClientError):
        aws_clients.assume_role(aws_org.trusted_keys, role_arn, "not-the-external-id")
    key = CallKey(aws_org.trusted_account_id, "us-east-1", "sts", "AssumeRole")
    counts = aws_faults.counters()[key]
    assert (counts.requests, counts.faults, counts.rejected) == (1, 0, 1)


def test_rules_filter_by_account_and_region(
    aws_org: EmulatedOrganization,
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    first_keys: AccessKeys,
    second_keys: AccessKeys,
) -> None:
    aws_faults.add_rule(
        "access_denied", account_id=aws_org.member_account_ids[0], region="eu-west-1"
    )
    with pytest.raises(ClientError):
        aws_clients.client("sqs", first_keys, "eu-west-1").list_queues()
    aws_clients.client("sqs", first_keys, "us-east-1").list_queues()
    aws_clients.client("sqs", second_keys, "eu-west-1").list_queues()


def test_rest_rules_match_by_method_and_path_prefix(
    aws_clients: EmulatorClients, aws_faults: FaultProxy, first_keys: AccessKeys
) -> None:
    aws_faults.add_rule(
        "server_error", service="lambda", method="GET", path_prefix="/2015-03-31/functions"
    )
    with pytest.raises(ClientError) as raised:
        aws_clients.client("lambda", first_keys).list_functions()
    assert raised.value.response["Error"]["Code"] == "InternalError"


def test_probability_is_seeded_and_counted(
    aws_org: EmulatedOrganization,
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    first_keys: AccessKeys,
) -> None:
    rule = aws_faults.add_rule("throttle", service="sqs", region="ap-southeast-2", probability=0.5)
    sqs = aws_clients.client("sqs", first_keys, "ap-southeast-2")
    codes: list[str] = []
    for _ in range(40):
        try:
            sqs.list_queues()
        except ClientError as error:
            codes.append(error.response["Error"]["Code"])
    throttled = len(codes)
    assert set(codes) == {"ThrottlingException"}
    assert 5 < throttled < 35
    assert (rule.matched, rule.injected) == (40, throttled)
    counts = aws_faults.counters().total(aws_org.member_account_ids[0], "ap-southeast-2", "sqs")
    assert (counts.requests, counts.faults) == (40, throttled)


def test_s3_objects_round_trip_unchanged(
    aws_clients: EmulatorClients, aws_faults: FaultProxy, scratch_bucket: tuple[object, str]
) -> None:
    s3, bucket = scratch_bucket
    body = os.urandom(3 * 1024 * 1024 + 7)
    s3.put_object(Bucket=bucket, Key="dir/blob.bin", Body=body)  # type: ignore[attr-defined]
    head = s3.head_object(Bucket=bucket, Key="dir/blob.bin")  # type: ignore[attr-defined]
    assert head["ContentLength"] == len(body)
    got = s3.get_object(Bucket=bucket, Key="dir/blob.bin")  # type: ignore[attr-defined]
    assert got["Body"].read() == body
    actions = {key.action for key in aws_faults.counters() if key.service == "s3"}
    assert {"PutObject", "HeadObject", "GetObject", "CreateBucket"} <= actions


@pytest.mark.parametrize(
    ("signature_version", "region"),
    # A SigV2 URL names no region; a SigV4 URL carries it in X-Amz-Credential.
    [("s3", None), ("s3v4", "us-east-1")],
)
def test_presigned_url_is_forwarded_and_attributed(
    aws_org: EmulatedOrganization,
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    first_keys: AccessKeys,
    scratch_bucket: tuple[object, str],
    signature_version: str,
    region: str | None,
) -> None:
    s3, bucket = scratch_bucket
    s3.put_object(Bucket=bucket, Key="note.txt", Body=b"hello")  # type: ignore[attr-defined]
    signer = aws_clients.client(
        "s3", first_keys, config=Config(signature_version=signature_version)
    )
    url = signer.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "note.txt"}, ExpiresIn=60
    )
    aws_faults.reset_counters()
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"hello")
    finally:
        connection.close()
    (key,) = aws_faults.counters()
    assert key == CallKey(aws_org.member_account_ids[0], region, "s3", "GetObject")
