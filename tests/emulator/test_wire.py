"""Request classification and error encoding (pure: no moto needed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.model import ServiceModel
from botocore.parsers import create_parser
from botocore.session import get_session

from tether.emulator.assume_role import shorten_expiration
from tether.emulator.aws_errors import AwsError, render
from tether.emulator.aws_requests import (
    ServiceCatalog,
    credential_scope,
    operation_name,
    request_protocol,
)

CATALOG = ServiceCatalog()


def test_credential_scope_from_header_and_presigned_query() -> None:
    header = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260101/eu-west-1/ec2/"
        "aws4_request, SignedHeaders=host, Signature=abc"
    }
    scope = credential_scope(header, {})
    assert scope is not None
    assert (scope.access_key_id, scope.region, scope.service) == ("ASIAEXAMPLE", "eu-west-1", "ec2")
    query = {"X-Amz-Credential": "AKIAEXAMPLE/20260101/ap-southeast-2/s3/aws4_request"}
    presigned = credential_scope({}, query)
    assert presigned is not None
    assert (presigned.region, presigned.service) == ("ap-southeast-2", "s3")
    assert credential_scope({}, {}) is None


@pytest.mark.parametrize(
    ("signing_name", "method", "path", "params", "headers", "expected"),
    [
        ("s3", "GET", "/", {}, {}, "ListBuckets"),
        ("s3", "GET", "/bucket", {}, {}, "ListObjects"),
        ("s3", "GET", "/bucket", {"list-type": "2"}, {}, "ListObjectsV2"),
        ("s3", "GET", "/bucket", {"tagging": ""}, {}, "GetBucketTagging"),
        ("s3", "PUT", "/bucket/a/b.txt", {}, {}, "PutObject"),
        ("s3", "PUT", "/bucket/a/b.txt", {}, {"x-amz-copy-source": "x/y"}, "CopyObject"),
        ("lambda", "GET", "/2015-03-31/functions/", {}, {}, "ListFunctions"),
        ("lambda", "GET", "/2015-03-31/functions/f1", {}, {}, "GetFunction"),
        (
            "dynamodb",
            "POST",
            "/",
            {},
            {"X-Amz-Target": "DynamoDB_20120810.ListTables"},
            "ListTables",
        ),
        ("ec2", "POST", "/", {"Action": "DescribeVpcs"}, {}, "DescribeVpcs"),
    ],
)
def test_operation_names(
    signing_name: str,
    method: str,
    path: str,
    params: dict[str, str],
    headers: dict[str, str],
    expected: str,
) -> None:
    info = CATALOG.load(signing_name)
    protocol = request_protocol(info, headers, "Action" in params, signing_name)
    assert operation_name(info, protocol, method, path, params, headers) == expected


def _parse(signing_name: str, error: AwsError) -> dict[str, Any]:
    """Parse a rendered error with botocore's own parser for the service's protocol."""
    info = CATALOG.load(signing_name)
    assert info.service_name is not None
    assert info.protocol is not None
    model: ServiceModel = get_session().get_service_model(info.service_name)
    shapes = (model.operation_model(name).output_shape for name in model.operation_names)
    output_shape = next(shape for shape in shapes if shape is not None)
    wire = render(error, info.protocol, info)
    response = {
        "status_code": wire.status,
        "headers": {k.lower(): v for k, v in wire.headers.items()},
        "body": wire.body,
    }
    parsed: dict[str, Any] = create_parser(info.protocol).parse(response, output_shape)
    return parsed


@pytest.mark.parametrize(
    "signing_name",
    ["ec2", "sts", "iam", "s3", "route53", "sqs", "dynamodb", "lambda", "monitoring"],
)
def test_every_protocol_renders_errors_botocore_parses(signing_name: str) -> None:
    parsed = _parse(signing_name, AwsError(400, "SomeCode", "a <message> & more"))
    assert parsed["Error"]["Code"] == "SomeCode"
    assert parsed["Error"]["Message"] == "a <message> & more"
    assert parsed["ResponseMetadata"]["RequestId"]


def test_json_error_headers() -> None:
    wire = render(
        AwsError(400, "ThrottlingException", "Rate exceeded"), "json", CATALOG.load("sqs")
    )
    assert wire.headers["x-amzn-ErrorType"] == "ThrottlingException"
    assert wire.headers["Content-Type"] == "application/x-amz-json-1.0"
    assert json.loads(wire.body) == {"__type": "ThrottlingException", "message": "Rate exceeded"}


def test_shorten_expiration_keeps_the_earlier_time() -> None:
    body = b"<Credentials><Expiration>2030-01-01T12:00:00.123456Z</Expiration></Credentials>"
    now = datetime(2030, 1, 1, 11, 0, tzinfo=UTC)
    assert b"2030-01-01T11:00:30Z" in shorten_expiration(body, 30, now)
    assert b"2030-01-01T12:00:00Z" in shorten_expiration(body, 7200, now)
