"""sts:AssumeRole as AWS enforces it: who is calling, what the role trusts, how long for.

moto answers AssumeRole for any caller, any External ID and even a role that does not exist;
the proxy asks moto for the caller's identity and the role's trust policy and decides itself.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from tether.emulator.aws_errors import AwsError, assume_role_denied, validation_error
from tether.emulator.aws_requests import CredentialScope, sts_authorization
from tether.emulator.trust_policy import Caller, trust_allows

ROLE_CHAINING_LIMIT_SECONDS = 3600
CHAINING_MESSAGE = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by"
    " role chaining."
)
MAX_SESSION_MESSAGE = (
    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
)

_ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/(?:[^/]+/)*([\w+=,.@-]+)$")
_EXPIRATION = re.compile(rb"<Expiration>([^<]+)</Expiration>")
# Any key will do: moto takes the account from x-moto-account-id and checks no signature.
_IAM_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIAEMULATORPROXY000/20240101/us-east-1/iam/aws4_request,"
    " SignedHeaders=host, Signature=0"
)
_FORM = "application/x-www-form-urlencoded; charset=utf-8"


class UpstreamError(RuntimeError):
    """moto answered a lookup the proxy depends on with something unexpected."""


@dataclass(frozen=True)
class Role:
    arn: str
    trust_policy: Mapping[str, Any]
    max_session_duration: int


def _xml_text(body: str, tag: str) -> str | None:
    match = re.search(f"<{tag}>([^<]*)</{tag}>", body)
    return html.unescape(match.group(1)) if match else None


class MotoIdentity:
    """Caller identities (cached per access key) and roles, read from moto."""

    def __init__(self, session: aiohttp.ClientSession, upstream_url: str) -> None:
        self._session = session
        self._upstream = upstream_url.rstrip("/") + "/"
        self._callers: dict[tuple[str, str | None], asyncio.Task[Caller | None]] = {}

    async def caller(
        self, scope: CredentialScope, headers: Mapping[str, str], query: Mapping[str, str]
    ) -> Caller | None:
        # Concurrent first requests with one key share a single lookup.
        key = (scope.access_key_id, headers.get("x-moto-account-id"))
        task = self._callers.get(key)
        if task is None:
            task = asyncio.ensure_future(self._lookup_caller(scope, headers, query))
            self._callers[key] = task
        try:
            caller = await asyncio.shield(task)
        except BaseException:
            self._callers.pop(key, None)
            raise
        if caller is None:
            self._callers.pop(key, None)
        return caller

    async def _lookup_caller(
        self, scope: CredentialScope, headers: Mapping[str, str], query: Mapping[str, str]
    ) -> Caller | None:
        lookup_headers = {"Authorization": sts_authorization(scope), "Content-Type": _FORM}
        token = (
            headers.get("X-Amz-Security-Token")
            or query.get("X-Amz-Security-Token")
            or query.get("x-amz-security-token")  # SigV2 presigned URLs
        )
        if token:
            lookup_headers["X-Amz-Security-Token"] = token
        if "x-moto-account-id" in headers:
            lookup_headers["x-moto-account-id"] = headers["x-moto-account-id"]
        body = "Action=GetCallerIdentity&Version=2011-06-15"
        async with self._session.post(self._upstream, data=body, headers=lookup_headers) as resp:
            text = await resp.text()
            if resp.status != 200:
                return None
        arn, account = _xml_text(text, "Arn"), _xml_text(text, "Account")
        if arn is None or account is None:
            raise UpstreamError(f"GetCallerIdentity answer without Arn/Account: {text[:200]}")
        return Caller(arn=arn, account_id=account)

    async def role(self, role_arn: str) -> Role | None:
        match = _ROLE_ARN.match(role_arn)
        if match is None:
            return None
        account_id, role_name = match.groups()
        params = {"Action": "GetRole", "RoleName": role_name, "Version": "2010-05-08"}
        headers = {
            "Authorization": _IAM_AUTHORIZATION,
            "Content-Type": _FORM,
            "x-moto-account-id": account_id,
        }
        data = urllib.parse.urlencode(params)
        async with self._session.post(self._upstream, data=data, headers=headers) as resp:
            text = await resp.text()
            if resp.status == 404:
                return None
            if resp.status != 200:
                raise UpstreamError(f"GetRole {role_arn}: HTTP {resp.status}: {text[:200]}")
        arn = _xml_text(text, "Arn")
        document = _xml_text(text, "AssumeRolePolicyDocument")
        if arn != role_arn or document is None:
            # Same name, different path: AWS treats the requested ARN as another role.
            return None
        policy = json.loads(urllib.parse.unquote(document))
        max_session = int(_xml_text(text, "MaxSessionDuration") or ROLE_CHAINING_LIMIT_SECONDS)
        return Role(arn=arn, trust_policy=policy, max_session_duration=max_session)


async def assume_role_rejection(
    identity: MotoIdentity, params: Mapping[str, str], caller: Caller | None
) -> AwsError | None:
    """The error AWS would answer this AssumeRole with, or None when it would succeed."""
    role_arn = params.get("RoleArn", "")
    if caller is None:
        return assume_role_denied("anonymous", role_arn)
    duration_text = params.get("DurationSeconds")
    duration = int(duration_text) if duration_text else None
    if caller.role_name is not None and duration and duration > ROLE_CHAINING_LIMIT_SECONDS:
        return validation_error(CHAINING_MESSAGE)
    role = await identity.role(role_arn)
    if role is None or not trust_allows(role.trust_policy, caller, params.get("ExternalId")):
        return assume_role_denied(caller.arn, role_arn)
    if duration and duration > role.max_session_duration:
        return validation_error(MAX_SESSION_MESSAGE)
    return None


def shorten_expiration(body: bytes, lifetime_seconds: float, now: datetime | None = None) -> bytes:
    """Make an AssumeRole answer's credentials expire within `lifetime_seconds`."""
    limit = (now or datetime.now(UTC)) + timedelta(seconds=lifetime_seconds)

    def replace(match: re.Match[bytes]) -> bytes:
        given = datetime.fromisoformat(match.group(1).decode().replace("Z", "+00:00"))
        expiration = min(given, limit).astimezone(UTC)
        return (
            b"<Expiration>" + expiration.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + b"</Expiration>"
        )

    return _EXPIRATION.sub(replace, body)
