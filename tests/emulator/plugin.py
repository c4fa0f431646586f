"""pytest fixtures for the AWS emulator: moto, the fault proxy and an emulated organization.

Loaded by the shared conftest through `pytest_plugins`. Session fixtures are shared by
every test: a test that changes moto creates its own uniquely named things and never
resets moto; a test that adds fault rules takes `aws_faults`, which clears them after it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.secrets import known_secrets
from tether.emulator import (
    AccessKeys,
    EmulatedOrganization,
    FaultProxy,
    MotoServer,
    OrganizationSpec,
    act_as,
    build_organization,
    default_members,
)

# Any keys work for setup straight against moto, where they act as moto's default account.
# Through the proxy only with moto's x-moto-account-id header (`as_account`): the proxy
# refuses key ids moto never issued, as AWS does.
TESTING_KEYS = AccessKeys("testing", "testing")

# One attempt in all, so an injected fault reaches the test instead of being retried away.
# (botocore's `max_attempts` counts retries after the first call; `total_max_attempts`
# counts every call.)
NO_RETRIES = Config(
    retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30
)


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    """HTTP status, error code and message of a botocore ClientError, as boto3 parsed them."""
    response = raised.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


@dataclass(frozen=True)
class EmulatorClients:
    """boto3 sessions and clients pointed at one endpoint (normally the fault proxy)."""

    endpoint_url: str
    # One session for all clients: a session loads each service model once, and that load
    # costs more than creating the client. (Create clients from one thread at a time.)
    shared_session: boto3.session.Session = field(
        default_factory=boto3.session.Session, compare=False, repr=False
    )

    def session(self, keys: AccessKeys, region: str = "us-east-1") -> boto3.session.Session:
        return boto3.session.Session(
            aws_access_key_id=keys.access_key_id,
            aws_secret_access_key=keys.secret_access_key,
            aws_session_token=keys.session_token,
            region_name=region,
        )

    def client(
        self,
        service: str,
        keys: AccessKeys,
        region: str = "us-east-1",
        config: Config | None = NO_RETRIES,
    ) -> Any:
        return self.shared_session.client(
            service,  # type: ignore[call-overload]
            region_name=region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=keys.access_key_id,
            aws_secret_access_key=keys.secret_access_key,
            aws_session_token=keys.session_token,
            config=config,
        )

    def as_account(self, service: str, account_id: str, region: str = "us-east-1") -> Any:
        """A client acting in `account_id` by moto's `x-moto-account-id` header: for test
        setup and ground-truth checks, never for the code under test."""
        return act_as(self.client(service, TESTING_KEYS, region, config=None), account_id)

    def assume_role(
        self,
        keys: AccessKeys,
        role_arn: str,
        external_id: str | None = None,
        duration_seconds: int | None = None,
        session_name: str = "tether-test",
        region: str = "us-east-1",
    ) -> AccessKeys:
        params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name}
        if external_id is not None:
            params["ExternalId"] = external_id
        if duration_seconds is not None:
            params["DurationSeconds"] = duration_seconds
        answer = self.client("sts", keys, region).assume_role(**params)
        assumed = AccessKeys.from_sts(answer["Credentials"])
        known_secrets.add(assumed.secret_access_key, f"the secret key of a session of {role_arn}")
        known_secrets.add(assumed.session_token, f"the session token of a session of {role_arn}")
        return assumed


# What STS and IAM hand out in their XML answers.
_ISSUED_SECRETS = re.compile(rb"<(SecretAccessKey|SessionToken)>([^<]+)</")


def _knowing_issued_secrets(proxy: FaultProxy) -> FaultProxy:
    """Make every secret key and session token handed out through the proxy a known test
    secret: those of Tether's own AssumeRole sessions too, which no test sees. The proxy
    passes each such answer to its key ring's ``learn``, which is wrapped here."""
    ring = proxy._keys
    learn = ring.learn

    def learning(body: bytes) -> bytes:
        for kind, value in _ISSUED_SECRETS.findall(body):
            known_secrets.add(html.unescape(value.decode()), f"an issued {kind.decode()}")
        return learn(body)

    ring.learn = learning  # type: ignore[method-assign]
    return proxy


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


@pytest.fixture(scope="session")
def fault_proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server.endpoint_url) as proxy:
        yield _knowing_issued_secrets(proxy)


@pytest.fixture
def aws_faults(fault_proxy: FaultProxy) -> Iterator[FaultProxy]:
    """The shared proxy, put back to transparent (no rules, latency, counts) after the test."""
    fault_proxy.reset()
    try:
        yield fault_proxy
    finally:
        fault_proxy.reset()


@pytest.fixture(scope="session")
def aws_org(moto_server: MotoServer, fault_proxy: FaultProxy) -> EmulatedOrganization:
    """1 management + 3 onboarded members + 1 member without the role, 3 regions each.

    Built straight against moto: the proxy's counters start empty and nothing is faulted.
    The proxy is told the trusted keys' secret, so it checks their signatures.
    """
    org = build_organization(moto_server.endpoint_url)
    fault_proxy.register_secret(org.trusted_access_key_id, org.trusted_secret_access_key)
    known_secrets.add(org.trusted_secret_access_key, "the trusted secret key of aws_org")
    return org


@pytest.fixture(scope="session")
def catalog_org(moto_server: MotoServer, fault_proxy: FaultProxy) -> EmulatedOrganization:
    """Management + 2 onboarded members (+1 without the role), 3 regions each, full catalog."""
    org = build_organization(
        moto_server.endpoint_url,
        OrganizationSpec(
            members=default_members(3, without_role=1),
            seed_catalog=True,
            name_prefix="catalog",
        ),
    )
    fault_proxy.register_secret(org.trusted_access_key_id, org.trusted_secret_access_key)
    known_secrets.add(org.trusted_secret_access_key, "the trusted secret key of catalog_org")
    return org


@pytest.fixture(scope="session")
def aws_clients(fault_proxy: FaultProxy) -> EmulatorClients:
    """Clients through the fault proxy."""
    return EmulatorClients(fault_proxy.endpoint_url)


@pytest.fixture(scope="session")
def moto_clients(moto_server: MotoServer) -> EmulatorClients:
    """Clients straight to moto (no trust enforcement, no faults)."""
    return EmulatorClients(moto_server.endpoint_url)


def organization_of(
    moto: MotoServer, proxy: FaultProxy, name_prefix: str, members: int = 4, without_role: int = 1
) -> EmulatedOrganization:
    """A small Organization of its own (one region, one instance per account), for tests
    that change its membership; the proxy verifies its trusted keys' signatures."""
    org = build_organization(
        moto.endpoint_url,
        OrganizationSpec(
            members=default_members(members, without_role=without_role),
            regions=("us-east-1",),
            instances_per_region=1,
            name_prefix=name_prefix,
        ),
    )
    proxy.register_secret(org.trusted_keys.access_key_id, org.trusted_keys.secret_access_key)
    known_secrets.add(
        org.trusted_keys.secret_access_key, f"the trusted secret key of {name_prefix}"
    )
    return org
