"""SigV4 checking against requests botocore signs (pure: no moto needed)."""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials
from multidict import CIMultiDict

from tether.emulator.access_keys import issued_secret, never_issued
from tether.emulator.signatures import ReceivedRequest, SigV4, signature_matches, sigv4_of

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CREDENTIALS = ReadOnlyCredentials("AKIDEXAMPLE", SECRET, None)
HOST = "127.0.0.1:4566"


def _signed(
    signer: SigV4Auth, method: str, url: str, data: bytes = b"", **headers: str
) -> tuple[ReceivedRequest, SigV4]:
    """Sign like a client, then take the request apart as the proxy receives it."""
    request = AWSRequest(method=method, url=f"http://{HOST}{url}", data=data, headers=headers)
    signer.add_auth(request)
    prepared = request.prepare()
    parts = urllib.parse.urlsplit(prepared.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    received_headers = CIMultiDict([("Host", HOST), *prepared.headers.items()])
    signed = sigv4_of(received_headers, dict(urllib.parse.parse_qsl(parts.query)))
    assert signed is not None
    body = prepared.body if isinstance(prepared.body, bytes) else b""
    return ReceivedRequest(method, target, received_headers, body), signed


def _edit(request: ReceivedRequest, **changes: Any) -> ReceivedRequest:
    return dataclasses.replace(request, **changes)


QUERY_POST = (
    SigV4Auth(CREDENTIALS, "sts", "us-east-1"),
    "POST",
    "/",
    b"Action=GetCallerIdentity&Version=2011-06-15",
)


def test_a_query_post_verifies_and_every_signed_part_counts() -> None:
    signer, method, url, body = QUERY_POST
    request, signed = _signed(
        signer, method, url, body, **{"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (signed.service, signed.region, signed.presigned) == ("sts", "us-east-1", False)
    assert signature_matches(request, signed, SECRET)
    assert not signature_matches(request, signed, SECRET + "x")
    assert not signature_matches(_edit(request, body=body + b"&x=1"), signed, SECRET)
    assert not signature_matches(_edit(request, method="PUT"), signed, SECRET)
    assert not signature_matches(_edit(request, target="/x"), signed, SECRET)
    other_time = dataclasses.replace(signed, timestamp="20200101T000000Z")
    assert not signature_matches(request, other_time, SECRET)
    retyped = CIMultiDict(request.headers)
    retyped["content-type"] = "text/plain"
    assert not signature_matches(_edit(request, headers=retyped), signed, SECRET)
    repeated = CIMultiDict(request.headers)
    repeated.add("Content-Type", "text/plain")
    assert not signature_matches(_edit(request, headers=repeated), signed, SECRET)
    # Headers the client did not sign may change on the way.
    extra = CIMultiDict(request.headers, **{"User-Agent": "proxy/1.0", "Via": "1.1 proxy"})
    assert signature_matches(_edit(request, headers=extra), signed, SECRET)


@pytest.mark.parametrize(
    ("make_signer", "url"),
    [
        # Non-S3 paths are encoded twice when signed; S3 paths once.
        (lambda: SigV4Auth(CREDENTIALS, "lambda", "eu-west-1"), "/2015-03-31/functions/a%3Ab/x"),
        (lambda: S3SigV4Auth(CREDENTIALS, "s3", "eu-west-1"), "/bucket/a%20b%2Bc/%C3%BC.txt"),
    ],
)
def test_paths_and_queries_verify_however_the_client_encoded_the_query(
    make_signer: Callable[[], SigV4Auth], url: str
) -> None:
    request, signed = _signed(make_signer(), "GET", url + "?Marker=a%20b%2Fc&tilde=~x&flag")
    assert signature_matches(request, signed, SECRET)
    path, _, query = request.target.partition("?")
    reencoded = path + "?" + query.replace("~x", "%7Ex").replace("a%20b", "a%20%62")
    assert signature_matches(_edit(request, target=reencoded), signed, SECRET)
    assert not signature_matches(_edit(request, target=request.target + "&y=1"), signed, SECRET)


def test_presigned_urls_verify_without_their_own_signature() -> None:
    signer = S3SigV4QueryAuth(CREDENTIALS, "s3", "us-east-1", expires=60)
    request, signed = _signed(signer, "GET", "/bucket/key%20x.txt?response-content-type=a%2Fb")
    assert signed.presigned
    assert signature_matches(request, signed, SECRET)
    assert not signature_matches(request, signed, "another-secret")
    moved = request.target.replace("key%20x", "other")
    assert not signature_matches(_edit(request, target=moved), signed, SECRET)


def test_signatures_are_read_from_headers_and_queries() -> None:
    authorization = (
        "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/ec2/aws4_request,"
        " SignedHeaders=Host;X-Amz-Date, Signature=abc"
    )
    signed = sigv4_of({"Authorization": authorization, "X-Amz-Date": "20260101T000000Z"}, {})
    assert signed == SigV4(
        "AKID", "eu-west-1", "ec2", "20260101T000000Z", ("host", "x-amz-date"), "abc", False
    )
    # An HTTP Date stands in for X-Amz-Date.
    dated = sigv4_of({"Authorization": authorization, "Date": "Thu, 01 Jan 2026 00:00:00 GMT"}, {})
    assert dated is not None
    assert dated.timestamp == "20260101T000000Z"
    assert sigv4_of({"Authorization": "AWS AKID:c2lnbmF0dXJl"}, {}) is None  # SigV2
    assert sigv4_of({}, {"AWSAccessKeyId": "AKID", "Signature": "x"}) is None
    assert sigv4_of({}, {}) is None


def test_an_incomplete_signature_never_matches() -> None:
    signer, method, url, body = QUERY_POST
    request, _ = _signed(signer, method, url, body)
    headers = CIMultiDict(request.headers)
    headers["Authorization"] = headers["Authorization"].split(", Signature=")[0]
    unsigned = sigv4_of(headers, {})
    assert unsigned is not None
    assert not signature_matches(_edit(request, headers=headers), unsigned, SECRET)


def test_issued_secrets_are_read_from_iam_and_sts_answers() -> None:
    create_access_key = (
        b"<CreateAccessKeyResult><AccessKey><UserName>u</UserName>"
        b"<AccessKeyId>AKIANEW</AccessKeyId><Status>Active</Status>"
        b"<SecretAccessKey>s3cr&amp;t/+</SecretAccessKey></AccessKey></CreateAccessKeyResult>"
    )
    assert issued_secret(create_access_key) == ("AKIANEW", "s3cr&t/+")
    assume_role = (
        b"<AssumeRoleResult><Credentials><AccessKeyId>ASIANEW</AccessKeyId>"
        b"<SecretAccessKey>abc</SecretAccessKey><SessionToken>t</SessionToken></Credentials>"
        b"</AssumeRoleResult>"
    )
    assert issued_secret(assume_role) == ("ASIANEW", "abc")
    assert issued_secret(b"<ListUsersResult/>") is None


def test_moto_default_principal_means_never_issued() -> None:
    assert never_issued("arn:aws:sts::123456789012:user/moto")
    assert never_issued("arn:aws-cn:sts::210987654321:user/moto")
    assert not never_issued("arn:aws:iam::123456789012:user/moto")
    assert not never_issued("arn:aws:sts::123456789012:assumed-role/moto/s")
