"""AWS's own error answers, and their wire format for each protocol.

Codes, HTTP statuses and messages are the ones AWS returns, so botocore parses
`error.Code` from the proxy exactly as it would from AWS.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

from tether.emulator.aws_requests import Protocol, ServiceInfo, iam_prefix

DenyWording = Literal["iam", "scp"]

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
# Services that moved off the query protocol but kept its error codes (awsQueryCompatible).
_QUERY_CODES = frozenset({"monitoring"})
_UNRECOGNIZED_CLIENT = "The security token included in the request is invalid."
_EC2_AUTH_FAILURE = "AWS was not able to validate the provided access credentials"
_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check"
    " your AWS Secret Access Key and signing method. Consult the service documentation for"
    " details."
)


@dataclass(frozen=True)
class AwsError:
    status: int
    code: str
    message: str


@dataclass(frozen=True)
class WireResponse:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class ErrorContext:
    """Who called what, as far as the proxy could tell."""

    protocol: Protocol
    service: str
    action: str | None
    caller_arn: str | None
    account_id: str | None
    region: str | None
    resource_arn: str | None = None


def region_disabled(ctx: ErrorContext) -> AwsError:
    """A disabled opt-in region (or STS not active in the region)."""
    if ctx.service == "sts":
        return AwsError(
            403,
            "RegionDisabledException",
            f"STS is not activated in this region for account:{ctx.account_id}. Your account"
            " administrator can activate STS in this region using the IAM Console.",
        )
    return invalid_key_id(ctx)


def region_not_enabled(ctx: ErrorContext) -> AwsError:
    """An opt-in region the account has not enabled.

    The account's credentials are unknown there, so STS too answers InvalidClientTokenId;
    RegionDisabledException is for STS deactivated in a region the account has enabled.
    """
    return invalid_key_id(ctx)


def invalid_key_id(ctx: ErrorContext) -> AwsError:
    """An access key id AWS does not know (never issued, deleted, or from elsewhere)."""
    if ctx.protocol == "ec2":
        return AwsError(401, "AuthFailure", _EC2_AUTH_FAILURE)
    if ctx.service == "s3":
        return AwsError(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    if ctx.protocol in ("query", "rest-xml") or ctx.service in _QUERY_CODES:
        return AwsError(403, "InvalidClientTokenId", _UNRECOGNIZED_CLIENT)
    if ctx.protocol == "rest-json":
        return AwsError(403, "UnrecognizedClientException", _UNRECOGNIZED_CLIENT)
    return AwsError(400, "UnrecognizedClientException", _UNRECOGNIZED_CLIENT)


def signature_mismatch(ctx: ErrorContext) -> AwsError:
    """A known access key whose request was signed with another secret."""
    if ctx.protocol == "ec2":
        return AwsError(401, "AuthFailure", _EC2_AUTH_FAILURE)
    if ctx.service == "s3":
        return AwsError(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided."
            " Check your key and signing method.",
        )
    if ctx.protocol in ("query", "rest-xml") or ctx.service in _QUERY_CODES:
        return AwsError(403, "SignatureDoesNotMatch", _SIGNATURE_MISMATCH)
    if ctx.protocol == "rest-json":
        return AwsError(403, "InvalidSignatureException", _SIGNATURE_MISMATCH)
    return AwsError(400, "InvalidSignatureException", _SIGNATURE_MISMATCH)


def expired_token(ctx: ErrorContext) -> AwsError:
    """A request signed with temporary credentials past their Expiration."""
    expired = "The security token included in the request is expired"
    if ctx.protocol == "ec2":
        # EC2 has no ExpiredToken: it answers RequestExpired, the code it also uses for a
        # stale request timestamp (the AWS SDKs treat it as "refresh the credentials", e.g.
        # aws-sdk-go's credsExpiredCodes, noted "EC2 only").
        return AwsError(400, "RequestExpired", "Request has expired.")
    if ctx.service == "s3":
        return AwsError(400, "ExpiredToken", "The provided token has expired.")
    if ctx.protocol in ("query", "rest-xml") or ctx.service in _QUERY_CODES:
        return AwsError(403, "ExpiredToken", expired)
    if ctx.protocol == "rest-json":
        return AwsError(403, "ExpiredTokenException", expired)
    return AwsError(400, "ExpiredTokenException", expired)


def access_denied(ctx: ErrorContext, wording: DenyWording) -> AwsError:
    """An IAM or SCP denial, worded the way the service words it."""
    action = f"{iam_prefix(ctx.service)}:{ctx.action or '*'}"
    user = ctx.caller_arn or "anonymous"
    reason = (
        "with an explicit deny in a service control policy"
        if wording == "scp"
        else f"because no identity-based policy allows the {action} action"
    )
    if ctx.protocol == "ec2":
        message = (
            "You are not authorized to perform this operation. "
            f"User: {user} is not authorized to perform: {action} {reason}"
        )
        return AwsError(403, "UnauthorizedOperation", message)
    on_resource = f" on resource: {ctx.resource_arn}" if ctx.resource_arn else ""
    message = f"User: {user} is not authorized to perform: {action}{on_resource} {reason}"
    if ctx.protocol in ("query", "rest-xml") or ctx.service in _QUERY_CODES:
        return AwsError(403, "AccessDenied", message)
    if ctx.protocol == "rest-json":
        return AwsError(403, "AccessDeniedException", message)
    return AwsError(400, "AccessDeniedException", message)


def throttled(ctx: ErrorContext) -> AwsError:
    """The service's own throttling answer."""
    if ctx.protocol == "ec2":
        return AwsError(503, "RequestLimitExceeded", "Request limit exceeded.")
    if ctx.service == "s3":
        return AwsError(503, "SlowDown", "Please reduce your request rate.")
    if ctx.service in ("lambda", "account", "apigateway"):
        return AwsError(429, "TooManyRequestsException", "Rate exceeded")
    if ctx.service == "organizations":
        return AwsError(400, "TooManyRequestsException", "Rate exceeded")
    if ctx.service == "dynamodb":
        return AwsError(
            400, "ThrottlingException", "Rate of requests exceeds the allowed throughput."
        )
    if ctx.protocol in ("query", "rest-xml") or ctx.service in _QUERY_CODES:
        return AwsError(400, "Throttling", "Rate exceeded")
    if ctx.protocol == "rest-json":
        return AwsError(429, "ThrottlingException", "Rate exceeded")
    return AwsError(400, "ThrottlingException", "Rate exceeded")


def server_error(status: int) -> AwsError:
    if status == 503:
        return AwsError(503, "ServiceUnavailable", "Service is unavailable. Please try again.")
    return AwsError(status, "InternalError", "We encountered an internal error. Please try again.")


def assume_role_denied(caller_arn: str, role_arn: str) -> AwsError:
    """What STS answers when the trust policy does not allow the caller."""
    return AwsError(
        403,
        "AccessDenied",
        f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
    )


def validation_error(message: str) -> AwsError:
    return AwsError(400, "ValidationError", message)


def render(error: AwsError, protocol: Protocol, info: ServiceInfo | None) -> WireResponse:
    """Encode an error the way the service's protocol does."""
    request_id = str(uuid.uuid4())
    fault = "Sender" if error.status < 500 else "Receiver"
    code, message = escape(error.code), escape(error.message)
    if protocol == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
        return _xml(error.status, body, {})
    if protocol == "query" or (
        protocol == "rest-xml" and (info is None or info.service_name != "s3")
    ):
        namespace = (info.xml_namespace if info else None) or STS_NAMESPACE
        body = (
            f'<ErrorResponse xmlns="{escape(namespace)}"><Error><Type>{fault}</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return _xml(error.status, body, {"x-amzn-RequestId": request_id})
    if protocol == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
        return _xml(error.status, body, {"x-amz-request-id": request_id})
    fields = {"__type": error.code, "message": error.message}
    headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": error.code}
    if protocol == "smithy-rpc-v2-cbor":
        headers |= {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
        return WireResponse(error.status, headers, _cbor_text_map(fields))
    if protocol == "json":
        json_version = info.json_version if info else "1.0"
        headers["Content-Type"] = f"application/x-amz-json-{json_version}"
    else:
        headers["Content-Type"] = "application/json"
    return WireResponse(error.status, headers, json.dumps(fields).encode())


def _xml(status: int, body: str, headers: dict[str, str]) -> WireResponse:
    return WireResponse(status, {"Content-Type": "text/xml", **headers}, body.encode())


def _cbor_head(major: int, length: int) -> bytes:
    if length < 24:
        return bytes([major << 5 | length])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if length < 1 << (8 * size):
            return bytes([major << 5 | extra]) + length.to_bytes(size, "big")
    raise ValueError(f"CBOR length too large: {length}")


def _cbor_text_map(fields: dict[str, str]) -> bytes:
    """A CBOR map of text strings: all an rpc-v2-cbor error body needs."""
    out = bytearray(_cbor_head(5, len(fields)))
    for key, value in fields.items():
        for text in (key, value):
            encoded = text.encode()
            out += _cbor_head(3, len(encoded)) + encoded
    return bytes(out)
