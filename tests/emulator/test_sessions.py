"""Temporary credentials expire through the proxy as they do in AWS."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from tests.emulator.plugin import EmulatorClients, error_of
from tether.emulator import AccessKeys, EmulatedOrganization, FaultProxy
from tether.emulator.sessions import issued_credentials

EXPIRED = "The security token included in the request is expired"


def _wait_until_expired(keys: AccessKeys) -> None:
    assert keys.expiration is not None
    time.sleep(max(0.0, (keys.expiration - datetime.now(UTC)).total_seconds()) + 0.05)


@pytest.fixture(scope="module")
def expired_keys(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, fault_proxy: FaultProxy
) -> AccessKeys:
    """Credentials of the first member's role that expired a moment ago."""
    role_arn = aws_org.role_arns[aws_org.member_account_ids[0]]
    fault_proxy.credential_lifetime_seconds = 1
    try:
        keys = aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)
    finally:
        fault_proxy.credential_lifetime_seconds = None
    _wait_until_expired(keys)
    return keys


def test_short_lived_credentials_work_until_they_expire(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, aws_faults: FaultProxy
) -> None:
    role_arn = aws_org.role_arns[aws_org.member_account_ids[1]]
    # Long enough for the first calls on a loaded machine (moto loads a service's backend
    # on its first call), short enough to wait out.
    aws_faults.credential_lifetime_seconds = 8
    keys = aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)
    assert aws_faults.credential_expiration(keys.access_key_id) == keys.expiration
    ec2 = aws_clients.client("ec2", keys)
    sts = aws_clients.client("sts", keys)
    ec2.describe_vpcs()
    assert sts.get_caller_identity()["Account"] == aws_org.member_account_ids[1]
    _wait_until_expired(keys)
    with pytest.raises(ClientError) as raised:
        ec2.describe_vpcs()
    assert error_of(raised) == (400, "RequestExpired", "Request has expired.")
    with pytest.raises(ClientError) as raised:
        sts.get_caller_identity()
    assert error_of(raised) == (403, "ExpiredToken", EXPIRED)
    counts = aws_faults.counters().total(aws_org.member_account_ids[1])
    assert (counts.requests, counts.expired, counts.faults, counts.rejected) == (4, 2, 0, 0)
    fresh = aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)
    aws_clients.client("ec2", fresh).describe_vpcs()


@pytest.mark.parametrize(
    ("service", "call", "status", "code", "message"),
    [
        ("ec2", "describe_instances", 400, "RequestExpired", "Request has expired."),
        ("sts", "get_caller_identity", 403, "ExpiredToken", EXPIRED),
        ("rds", "describe_db_instances", 403, "ExpiredToken", EXPIRED),
        ("dynamodb", "list_tables", 400, "ExpiredTokenException", EXPIRED),
        ("lambda", "list_functions", 403, "ExpiredTokenException", EXPIRED),
        ("s3", "list_buckets", 400, "ExpiredToken", "The provided token has expired."),
    ],
)
def test_expired_credentials_are_refused_per_protocol(
    aws_clients: EmulatorClients,
    aws_faults: FaultProxy,
    expired_keys: AccessKeys,
    service: str,
    call: str,
    status: int,
    code: str,
    message: str,
) -> None:
    with pytest.raises(ClientError) as raised:
        getattr(aws_clients.client(service, expired_keys, "eu-west-1"), call)()
    assert error_of(raised) == (status, code, message)
    assert aws_faults.counters().total(service=service).expired == 1


def test_expired_credentials_cannot_assume_a_role(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, expired_keys: AccessKeys
) -> None:
    role_arn = aws_org.role_arns[aws_org.member_account_ids[1]]
    with pytest.raises(ClientError) as raised:
        aws_clients.assume_role(expired_keys, role_arn)
    assert error_of(raised) == (403, "ExpiredToken", EXPIRED)


def test_expiry_enforcement_can_be_switched_off(
    aws_clients: EmulatorClients, aws_faults: FaultProxy, expired_keys: AccessKeys
) -> None:
    dynamodb = aws_clients.client("dynamodb", expired_keys)
    aws_faults.reject_expired_credentials = False
    dynamodb.list_tables()
    assert aws_faults.counters().total(service="dynamodb").expired == 0
    aws_faults.reset()
    assert aws_faults.reject_expired_credentials
    with pytest.raises(ClientError):
        dynamodb.list_tables()


def test_uncapped_sessions_are_remembered_with_their_own_expiration(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, aws_faults: FaultProxy
) -> None:
    role_arn = aws_org.role_arns[aws_org.member_account_ids[2]]
    keys = aws_clients.assume_role(
        aws_org.trusted_keys, role_arn, aws_org.external_id, duration_seconds=900
    )
    assert keys.expiration is not None
    expiration = aws_faults.credential_expiration(keys.access_key_id)
    assert expiration is not None
    assert abs((expiration - keys.expiration).total_seconds()) < 1
    aws_clients.client("ec2", keys).describe_vpcs()


def test_only_temporary_keys_are_tracked() -> None:
    answer = (
        b"<GetSessionTokenResult><Credentials><AccessKeyId>%s</AccessKeyId>"
        b"<Expiration>2030-01-01T12:00:00Z</Expiration></Credentials></GetSessionTokenResult>"
    )
    assert issued_credentials(answer % b"ASIAEXAMPLE") == (
        "ASIAEXAMPLE",
        datetime(2030, 1, 1, 12, tzinfo=UTC),
    )
    # moto hands every GetSessionToken caller the same AKIA example key.
    assert issued_credentials(answer % b"AKIAIOSFODNN7EXAMPLE") is None
