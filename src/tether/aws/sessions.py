"""Sessions Tether acts as in AWS: keys, the host's chain, AssumeRole and role chaining.

``ClientFactory`` is the one place that makes botocore clients (timeouts, retry mode, user
agent, the emulator endpoint): one per (service, region) for the process. ``AwsIdentity`` is
one principal; its ``client()`` is a view of the shared client that signs with its
credentials, and ``assume()`` yields the identity of a role assumed from it. Assumed
credentials refresh themselves at about 80% of their lifetime: botocore's
``RefreshableCredentials`` lets one thread refresh while the others go on signing with the
still-valid credentials, so work in flight is never interrupted.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.client import BaseClient
from botocore.config import Config
from botocore.credentials import (
    CredentialProvider,
    CredentialResolver,
    Credentials,
    RefreshableCredentials,
)
from botocore.exceptions import ClientError

import tether
from tether.aws.metering import instrument
from tether.aws.signing import BoundClient, CallerCredentials
from tether.domain.credentials import AccessKey, AwsCredential, RoleTarget

# AWS caps a session assumed with credentials that are themselves assumed (chaining) at 1 h.
CHAINED_SESSION_CAP_SECONDS = 3600
REFRESH_AT_FRACTION = 0.8


@dataclass(frozen=True, slots=True)
class AwsSettings:
    endpoint_url: str | None = None
    home_region: str = "us-east-1"  # where STS is asked for role sessions
    session_seconds: int = 3600
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 3
    max_pool_connections: int = 64


class _Given(CredentialProvider):
    """Hands botocore the one credentials object of every shared client."""

    METHOD = "tether"
    CANONICAL_NAME = "tether"

    def __init__(self, credentials: CallerCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Any:
        return self._credentials


class ClientFactory:
    """The process's botocore clients: one per (service, region), shared by every identity
    (``tether.aws.signing``), built with Tether's timeouts, retry mode and user agent."""

    def __init__(self, settings: AwsSettings) -> None:
        self.settings = settings
        self.config = Config(
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
            max_pool_connections=settings.max_pool_connections,
            user_agent_extra=f"tether/{tether.__version__}",
        )
        self._session = botocore.session.Session()
        self._session.register_component(
            "credential_provider", CredentialResolver([_Given(CallerCredentials())])
        )
        self._clients: dict[tuple[str, str], BaseClient] = {}
        # botocore sessions are not safe for concurrent client creation.
        self._lock = threading.Lock()

    def client(self, service: str, region: str) -> BaseClient:
        key = (service, region)
        client = self._clients.get(key)
        if client is None:
            with self._lock:
                client = self._clients.get(key)
                if client is None:
                    client = self._session.create_client(
                        service,
                        region_name=region,
                        endpoint_url=self.settings.endpoint_url,
                        config=self.config,
                    )
                    client = self._clients[key] = instrument(client, service)
        return client

    def available_regions(self, service: str) -> frozenset[str]:
        """The regions botocore's endpoint data says offer ``service``."""
        return frozenset(self._session.get_available_regions(service))

    @staticmethod
    def host_credentials() -> Credentials | None:
        """The host's own chain (environment, profile, instance role), if it has one."""
        found: Credentials | None = botocore.session.Session().get_credentials()
        return found


class AwsIdentity:
    """One principal in AWS: its credentials, and a view of the shared clients per
    (service, region) that signs with them."""

    def __init__(
        self,
        factory: ClientFactory,
        credentials: Credentials | None,
        label: str,
        chained: bool,
        arn: str | None = None,
    ) -> None:
        self.factory = factory
        self.credentials = credentials
        self.label = label
        self.chained = chained  # its credentials came from AssumeRole
        self.arn = arn
        self._views: dict[tuple[str, str], BoundClient] = {}

    def available_regions(self, service: str) -> frozenset[str]:
        return self.factory.available_regions(service)

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        view = self._views.get(key)
        if view is None:
            # A race makes two equal views, one of which is kept: harmless.
            view = self._views.setdefault(
                key, BoundClient(self.factory.client(service, region), self.credentials)
            )
        return view

    def assume(self, role: RoleTarget, session_name: str) -> AwsIdentity:
        """The identity of ``role`` assumed from this one; fails now if AWS refuses."""
        requested = self.factory.settings.session_seconds
        duration = min(requested, CHAINED_SESSION_CAP_SECONDS) if self.chained else requested
        fetch = _AssumeRole(self, role, role_session_name(session_name), duration)
        credentials = _refreshing(fetch)
        return AwsIdentity(self.factory, credentials, session_name, True, fetch.assumed_arn)


def role_session_name(label: str) -> str:
    """AWS allows [\\w+=,.@-]{2,64}; the name shows in the client's CloudTrail."""
    cleaned = re.sub(r"[^\w+=,.@-]", "-", f"tether-{label}")
    return cleaned[:64]


class _AssumeRole:
    """Fetches fresh credentials for a role: the refresh function of its credentials."""

    def __init__(self, parent: AwsIdentity, role: RoleTarget, session_name: str, duration: int):
        self.parent = parent
        self.role = role
        self.session_name = session_name
        self.duration = duration
        self.assumed_arn: str | None = None

    def __call__(self) -> dict[str, Any]:
        sts = self.parent.client("sts", self.parent.factory.settings.home_region)
        params: dict[str, Any] = {
            "RoleArn": self.role.role_arn,
            "RoleSessionName": self.session_name,
            "DurationSeconds": self.duration,
        }
        if self.role.external_id:
            params["ExternalId"] = self.role.external_id
        try:
            answer = sts.assume_role(**params)
        except ClientError as error:
            if not _duration_refused(error) or self.duration <= CHAINED_SESSION_CAP_SECONDS:
                raise
            # The role allows less than asked (MaxSessionDuration); every role allows 1 h.
            self.duration = CHAINED_SESSION_CAP_SECONDS
            params["DurationSeconds"] = self.duration
            answer = sts.assume_role(**params)
        self.assumed_arn = answer["AssumedRoleUser"]["Arn"]
        credentials = answer["Credentials"]
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }


def _duration_refused(error: ClientError) -> bool:
    details = error.response.get("Error", {})
    return details.get("Code") == "ValidationError" and "DurationSeconds" in str(
        details.get("Message", "")
    )


def _refreshing(fetch: Callable[[], dict[str, Any]]) -> RefreshableCredentials:
    """Credentials from ``fetch`` that fetch again once 80% of their lifetime is gone."""
    metadata = fetch()
    expiry = datetime.fromisoformat(metadata["expiry_time"])
    lifetime = max((expiry - datetime.now(UTC)).total_seconds(), 1.0)
    return RefreshableCredentials.create_from_metadata(
        metadata,
        refresh_using=fetch,
        method="assume-role",
        advisory_timeout=max(1, round(lifetime * (1 - REFRESH_AT_FRACTION))),
        # From here on every thread waits for the refresh rather than sign with
        # credentials about to expire.
        mandatory_timeout=max(1, round(lifetime * (1 - REFRESH_AT_FRACTION) / 2)),
    )


class AwsSessions:
    """Builds the identity a credential stands for; one per process, shared by all work.

    Identities are kept per (credential, label), so every scan of an integration reuses one
    set of refreshing credentials and one client per (service, region).
    """

    def __init__(self, settings: AwsSettings) -> None:
        self.factory = ClientFactory(settings)
        self._identities: dict[tuple[AwsCredential, str], AwsIdentity] = {}
        self._members: dict[tuple[AwsCredential, str, str], AwsIdentity] = {}
        self._lock = threading.Lock()

    def base(self, key: AccessKey | None, label: str) -> AwsIdentity:
        """The identity of ``key``; ``None``: the host's own credential chain."""
        credentials = (
            Credentials(key.access_key_id, key.secret_access_key)
            if key
            else self.factory.host_credentials()
        )
        return AwsIdentity(self.factory, credentials, label, chained=False)

    def identity(self, credential: AwsCredential, label: str) -> AwsIdentity:
        """Who Tether is in the monitored account: the keys, or the role assumed from them."""
        key = (credential, label)
        with self._lock:
            cached = self._identities.get(key)
        if cached is not None:
            return cached
        base = self.base(credential.access_key, label)
        identity = base.assume(credential.role, label) if credential.role else base
        with self._lock:
            return self._identities.setdefault(key, identity)

    def member(
        self, key: tuple[AwsCredential, str, str], assume: Callable[[], AwsIdentity]
    ) -> AwsIdentity:
        """A linked member's identity, assumed once per process and (credential, role,
        label), so scans of the member reuse one refreshing role session."""
        with self._lock:
            cached = self._members.get(key)
        if cached is not None:
            return cached
        identity = assume()
        with self._lock:
            return self._members.setdefault(key, identity)

    def forget(self, credential: AwsCredential, label: str) -> None:
        """Drop a cached identity (the credential changed or was removed)."""
        with self._lock:
            self._identities.pop((credential, label), None)
            for key in [key for key in self._members if key[0] == credential]:
                del self._members[key]
