"""SigV4 signatures checked the way AWS checks them, which moto never does.

The signature is recomputed with botocore's own signers over the request exactly as it
arrived (method, raw path, query, the headers it names as signed, the payload hash) and the
request's own timestamp, then compared with the one it carries. Header-signed requests and
presigned URLs (query-string SigV4) are both covered; S3's older SigV2 is not.
"""

from __future__ import annotations

import hmac
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.client import HTTPMessage

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import ReadOnlyCredentials

ALGORITHM = "AWS4-HMAC-SHA256"
SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"
_AUTH_FIELD = re.compile(r"(\w+)=([^,\s]*)")
_UNRESERVED = "-_.~"


@dataclass(frozen=True)
class ReceivedRequest:
    """A request as the proxy received it. `target` is the raw request target: the path
    and query exactly as sent, percent-encoding included. `headers` is case-insensitive
    and yields a repeated header once per value (as aiohttp's and botocore's do)."""

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class SigV4:
    """What a request says about its own SigV4 signature."""

    access_key_id: str
    region: str
    service: str
    timestamp: str
    signed_headers: tuple[str, ...]
    signature: str
    presigned: bool


def sigv4_of(headers: Mapping[str, str], query: Mapping[str, str]) -> SigV4 | None:
    """The SigV4 signature a request carries, or None when it is not SigV4-signed.

    Missing parts are left empty rather than refused here: a signature recomputed from
    them cannot match, so an incomplete signature fails like a wrong one.
    """
    authorization = headers.get("Authorization", "")
    if authorization.startswith(ALGORITHM + " "):
        fields = dict(_AUTH_FIELD.findall(authorization[len(ALGORITHM) :]))
        timestamp = headers.get("X-Amz-Date") or _from_http_date(headers.get("Date", ""))
        return _sigv4(
            fields.get("Credential", ""),
            timestamp,
            fields.get("SignedHeaders", ""),
            fields.get("Signature", ""),
            presigned=False,
        )
    if query.get("X-Amz-Algorithm") == ALGORITHM:
        return _sigv4(
            query.get("X-Amz-Credential", ""),
            query.get("X-Amz-Date", ""),
            query.get("X-Amz-SignedHeaders", ""),
            query.get("X-Amz-Signature", ""),
            presigned=True,
        )
    return None


def signature_matches(request: ReceivedRequest, signed: SigV4, secret_access_key: str) -> bool:
    """Whether `secret_access_key` produces the signature the request carries."""
    s3 = signed.service == "s3"
    signer_class = {
        (False, False): _Signer,
        (False, True): _QuerySigner,
        (True, False): _S3Signer,
        (True, True): _S3QuerySigner,
    }[(s3, signed.presigned)]
    credentials = ReadOnlyCredentials(signed.access_key_id, secret_access_key, None)
    signer = signer_class(credentials, signed.service, signed.region)
    signer.signed_names = signed.signed_headers
    aws_request = _aws_request(request, drop_signature=signed.presigned)
    aws_request.context["timestamp"] = signed.timestamp
    canonical = signer.canonical_request(aws_request)
    expected = signer.signature(signer.string_to_sign(aws_request, canonical), aws_request)
    return hmac.compare_digest(expected, signed.signature)


def _sigv4(
    credential: str, timestamp: str, signed_headers: str, signature: str, *, presigned: bool
) -> SigV4 | None:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        return None
    names = tuple(name.strip().lower() for name in signed_headers.split(";") if name.strip())
    return SigV4(parts[0], parts[2], parts[3], timestamp, names, signature, presigned)


def _from_http_date(value: str) -> str:
    """SigV4 accepts an HTTP Date header in place of X-Amz-Date."""
    if not value:
        return ""
    try:
        return parsedate_to_datetime(value).strftime(SIGV4_TIMESTAMP)
    except ValueError:
        # An unreadable date signs nothing: the recomputed signature will not match.
        return ""


def _aws_request(request: ReceivedRequest, *, drop_signature: bool) -> AWSRequest:
    path, _, query = request.target.partition("?")
    pairs = [pair for pair in query.split("&") if pair]
    if drop_signature:
        # A presigned URL's canonical query is every parameter but the signature itself.
        pairs = [pair for pair in pairs if pair.partition("=")[0] != "X-Amz-Signature"]
    canonical_query = "&".join(_canonical_pair(pair) for pair in pairs)
    url = f"http://signed.invalid{path}" + (f"?{canonical_query}" if canonical_query else "")
    aws_request = AWSRequest(method=request.method, url=url, data=request.body)
    for name, value in request.headers.items():
        aws_request.headers[name] = value  # appends: repeated headers stay repeated
    return aws_request


def _canonical_pair(pair: str) -> str:
    """Encode a query parameter as SigV4 does, whatever encoding the client chose."""
    key, _, value = pair.partition("=")
    encode = urllib.parse.quote
    unquote = urllib.parse.unquote
    return f"{encode(unquote(key), safe=_UNRESERVED)}={encode(unquote(value), safe=_UNRESERVED)}"


class _Signer(SigV4Auth):
    """botocore's signer, made to sign exactly the headers the request names."""

    signed_names: tuple[str, ...] = ()

    def headers_to_sign(self, request: AWSRequest) -> HTTPMessage:
        chosen = HTTPHeaders()
        for name in self.signed_names:
            for value in request.headers.get_all(name, []):
                chosen[name] = value
        return chosen


class _QuerySigner(_Signer, SigV4QueryAuth):
    pass


class _S3Signer(_Signer, S3SigV4Auth):
    pass


class _S3QuerySigner(_Signer, S3SigV4QueryAuth):
    pass
