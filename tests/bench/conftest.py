"""A small synthetic organization (3 accounts x 2 regions, no latency) for the bench tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bench.synthetic import SyntheticEndpoint

from tether.aws.sessions import AwsIdentity, AwsSessions, AwsSettings
from tether.domain.credentials import AccessKey, RoleTarget

REGIONS = ("us-east-1", "eu-west-1")


@pytest.fixture(scope="session")
def synthetic() -> Iterator[SyntheticEndpoint]:
    with SyntheticEndpoint(3, REGIONS, latency_ms=(0, 0), seed=3, scale=1.0) as endpoint:
        yield endpoint


_IDENTITIES: dict[tuple[str, str], AwsIdentity] = {}


def identity_in(endpoint: SyntheticEndpoint, account_id: str) -> AwsIdentity:
    """Tether's identity in ``account_id``: the trusted keys, then the onboarding role
    (one per endpoint and account: making botocore clients is the slow part of a test)."""
    key = (endpoint.endpoint_url, account_id)
    if key not in _IDENTITIES:
        info = endpoint.info
        sessions = AwsSessions(AwsSettings(endpoint_url=endpoint.endpoint_url, max_attempts=1))
        base = sessions.base(AccessKey(info["access_key_id"], info["secret_access_key"]), "bench")
        role = RoleTarget(
            f"arn:aws:iam::{account_id}:role/{info['role_name']}", info["external_id"]
        )
        _IDENTITIES[key] = base.assume(role, "bench-test")
    return _IDENTITIES[key]
