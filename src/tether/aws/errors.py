"""Classifying AWS failures, once, into what they mean for Tether.

Every botocore error is turned into an ``AwsFailure`` at the boundary where it happened
(an install step, a scan unit); nothing above that boundary inspects error codes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotoConnectionError


class FailureKind(enum.StrEnum):
    THROTTLED = "throttled"
    ACCESS_DENIED = "access_denied"
    DENIED_BY_SCP = "denied_by_scp"
    REGION_DISABLED = "region_disabled"
    STS_REGION_DISABLED = "sts_region_disabled"
    INVALID_CREDENTIALS = "invalid_credentials"
    EXPIRED_CREDENTIALS = "expired_credentials"
    NOT_AVAILABLE = "not_available"  # the service or operation does not exist there
    INVALID_REQUEST = "invalid_request"
    SERVICE_ERROR = "service_error"
    NETWORK = "network"


# The codes botocore's standard retry mode treats as throttling.
THROTTLE_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException",
})  # fmt: skip
DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
    "AuthorizationError", "AuthorizationErrorException", "Forbidden", "ForbiddenException",
})  # fmt: skip
# What AWS answers in a region that is not enabled for the account; the same codes mean
# "bad keys" when the keys were never proven, hence ``keys_proven`` below.
TOKEN_REJECTED_CODES = frozenset(
    {"AuthFailure", "InvalidClientTokenId", "UnrecognizedClientException"}
)
BAD_KEY_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
NOT_AVAILABLE_CODES = frozenset(
    {"UnknownOperationException", "InvalidAction", "NotImplemented", "OptInRequired"}
)
SCP_WORDING = "service control policy"


@dataclass(frozen=True, slots=True)
class AwsFailure:
    kind: FailureKind
    code: str | None
    message: str
    http_status: int | None = None

    @property
    def reason(self) -> str:
        """One readable line: what it means, then AWS's own words."""
        meaning = _MEANINGS[self.kind]
        return (
            f"{meaning}: {self.code}: {self.message}" if self.code else f"{meaning}: {self.message}"
        )

    @property
    def denied(self) -> bool:
        return self.kind in (FailureKind.ACCESS_DENIED, FailureKind.DENIED_BY_SCP)


_MEANINGS = {
    FailureKind.THROTTLED: "throttled by AWS",
    FailureKind.ACCESS_DENIED: "access denied by IAM",
    FailureKind.DENIED_BY_SCP: "denied by a service control policy",
    FailureKind.REGION_DISABLED: "region not enabled for this account",
    FailureKind.STS_REGION_DISABLED: "STS is not active in this region",
    FailureKind.INVALID_CREDENTIALS: "credentials not valid",
    FailureKind.EXPIRED_CREDENTIALS: "credentials expired",
    FailureKind.NOT_AVAILABLE: "not available here",
    FailureKind.INVALID_REQUEST: "request refused",
    FailureKind.SERVICE_ERROR: "AWS service error",
    FailureKind.NETWORK: "network error",
}


def classify(error: Exception, *, keys_proven: bool = True) -> AwsFailure:
    """What ``error`` (from botocore) means. ``keys_proven``: the same credentials already
    worked elsewhere, so a rejected token means the region, not the keys."""
    if isinstance(error, ClientError):
        return _classify_client_error(error, keys_proven)
    if isinstance(error, NoCredentialsError):
        return AwsFailure(FailureKind.INVALID_CREDENTIALS, None, "no AWS credentials found")
    if isinstance(error, (BotoConnectionError, HTTPClientError)):
        return AwsFailure(FailureKind.NETWORK, None, str(error))
    if isinstance(error, BotoCoreError):
        return AwsFailure(FailureKind.INVALID_REQUEST, None, str(error))
    raise TypeError(f"not an AWS error: {type(error).__name__}") from error


def _classify_client_error(error: ClientError, keys_proven: bool) -> AwsFailure:
    details = error.response.get("Error", {})
    code = str(details.get("Code") or "Unknown")
    message = str(details.get("Message") or "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")

    def failure(kind: FailureKind) -> AwsFailure:
        return AwsFailure(kind, code, message, status)

    if code in THROTTLE_CODES or status == 429:
        return failure(FailureKind.THROTTLED)
    if code in DENIED_CODES:
        scp = SCP_WORDING in message.lower()
        return failure(FailureKind.DENIED_BY_SCP if scp else FailureKind.ACCESS_DENIED)
    if code == "RegionDisabledException":
        return failure(FailureKind.STS_REGION_DISABLED)
    if code in TOKEN_REJECTED_CODES:
        return failure(
            FailureKind.REGION_DISABLED if keys_proven else FailureKind.INVALID_CREDENTIALS
        )
    if code in BAD_KEY_CODES:
        return failure(FailureKind.INVALID_CREDENTIALS)
    if code in EXPIRED_CODES:
        return failure(FailureKind.EXPIRED_CREDENTIALS)
    if code in NOT_AVAILABLE_CODES or status == 501:
        return failure(FailureKind.NOT_AVAILABLE)
    if status is not None and status >= 500:
        return failure(FailureKind.SERVICE_ERROR)
    return failure(FailureKind.INVALID_REQUEST)
