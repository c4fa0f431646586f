"""sts:AssumeRole through the proxy behaves like AWS: trust policy, External ID, durations."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from tests.emulator.plugin import EmulatorClients
from tether.emulator import AccessKeys, EmulatedOrganization, FaultProxy

CHAINING = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by"
    " role chaining."
)


def _denied(error: ClientError, caller_arn: str, role_arn: str) -> None:
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error.response["Error"] == {
        "Type": "Sender",
        "Code": "AccessDenied",
        "Message": f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on"
        f" resource: {role_arn}",
    }


def _member_role(aws_org: EmulatedOrganization) -> str:
    return aws_org.role_arns[aws_org.member_account_ids[0]]


def test_right_external_id_gives_credentials_for_the_requested_duration(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients
) -> None:
    before = datetime.now(UTC)
    keys = aws_clients.assume_role(
        aws_org.trusted_keys, _member_role(aws_org), aws_org.external_id, duration_seconds=900
    )
    assert keys.access_key_id.startswith("ASIA")
    assert keys.expiration is not None
    lifetime = keys.expiration - before
    assert timedelta(seconds=890) < lifetime < timedelta(seconds=910)


@pytest.mark.parametrize("external_id", ["wrong-external-id", None])
def test_wrong_or_missing_external_id_is_denied(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, external_id: str | None
) -> None:
    role_arn = _member_role(aws_org)
    with pytest.raises(ClientError) as raised:
        aws_clients.assume_role(aws_org.trusted_keys, role_arn, external_id)
    _denied(raised.value, aws_org.trusted_user_arn, role_arn)


def test_untrusted_caller_is_denied(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, moto_clients: EmulatorClients
) -> None:
    # A user of the management account: a real principal, but not the one the role trusts.
    iam = moto_clients.as_account("iam", aws_org.management_account_id)
    name = f"untrusted-{uuid.uuid4().hex[:8]}"
    user_arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    keys = AccessKeys(key["AccessKeyId"], key["SecretAccessKey"])
    role_arn = _member_role(aws_org)
    try:
        with pytest.raises(ClientError) as raised:
            aws_clients.assume_role(keys, role_arn, aws_org.external_id)
        _denied(raised.value, user_arn, role_arn)
    finally:
        iam.delete_access_key(UserName=name, AccessKeyId=keys.access_key_id)
        iam.delete_user(UserName=name)


def test_role_that_does_not_exist_is_denied(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients
) -> None:
    (bare,) = [a for a in aws_org.accounts if a.role_arn is None]
    role_arn = f"arn:aws:iam::{bare.account_id}:role/{aws_org.role_name}"
    with pytest.raises(ClientError) as raised:
        aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)
    _denied(raised.value, aws_org.trusted_user_arn, role_arn)


def test_role_chaining_is_limited_to_one_hour(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, moto_clients: EmulatorClients
) -> None:
    management_role = aws_org.role_arns[aws_org.management_account_id]
    member = aws_org.member_account_ids[1]
    # A role in the member that trusts the management account's onboarding role.
    chained_name = f"Chained-{uuid.uuid4().hex[:8]}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": management_role}, "Action": "sts:AssumeRole"}
        ],
    }
    iam = moto_clients.as_account("iam", member)
    chained_arn = iam.create_role(
        RoleName=chained_name, AssumeRolePolicyDocument=json.dumps(trust), MaxSessionDuration=43200
    )["Role"]["Arn"]
    try:
        hop = aws_clients.assume_role(aws_org.trusted_keys, management_role, aws_org.external_id)
        with pytest.raises(ClientError) as raised:
            aws_clients.assume_role(hop, chained_arn, duration_seconds=3601)
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert raised.value.response["Error"]["Code"] == "ValidationError"
        assert raised.value.response["Error"]["Message"] == CHAINING
        second = aws_clients.assume_role(hop, chained_arn, duration_seconds=3600)
        identity = aws_clients.client("sts", second).get_caller_identity()
        assert identity["Arn"] == f"arn:aws:sts::{member}:assumed-role/{chained_name}/tether-test"
    finally:
        iam.delete_role(RoleName=chained_name)


def test_duration_above_the_role_maximum_is_rejected(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients
) -> None:
    with pytest.raises(ClientError) as raised:
        aws_clients.assume_role(
            aws_org.trusted_keys, _member_role(aws_org), aws_org.external_id, 7200
        )
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert "MaxSessionDuration" in raised.value.response["Error"]["Message"]


def test_timed_denial_then_success_like_iam_propagation(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, aws_faults: FaultProxy
) -> None:
    role_arn = _member_role(aws_org)
    aws_faults.add_rule("access_denied", role_arn=role_arn, duration_seconds=1.5)
    started = time.monotonic()
    denials: list[tuple[str, float]] = []
    while True:
        try:
            keys = aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)
            break
        except ClientError as error:
            denials.append((error.response["Error"]["Code"], time.monotonic() - started))
            time.sleep(0.25)
    assert time.monotonic() - started >= 1.5
    assert len(denials) >= 5
    assert {code for code, _ in denials} == {"AccessDenied"}
    assert max(elapsed for _, elapsed in denials) < 1.5
    assert keys.access_key_id.startswith("ASIA")


def test_injected_assume_role_denial_names_the_role(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, aws_faults: FaultProxy
) -> None:
    role_arn = _member_role(aws_org)
    aws_faults.add_rule("access_denied", role_arn=role_arn, first_n=1)
    with pytest.raises(ClientError) as raised:
        aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)
    message = raised.value.response["Error"]["Message"]
    assert message.startswith(
        f"User: {aws_org.trusted_user_arn} is not authorized to perform: sts:AssumeRole"
        f" on resource: {role_arn} because no identity-based policy allows"
    )
    aws_clients.assume_role(aws_org.trusted_keys, role_arn, aws_org.external_id)


def test_credential_lifetime_cap_shortens_expiration(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, aws_faults: FaultProxy
) -> None:
    aws_faults.credential_lifetime_seconds = 5
    before = datetime.now(UTC)
    keys = aws_clients.assume_role(
        aws_org.trusted_keys, _member_role(aws_org), aws_org.external_id, duration_seconds=900
    )
    assert keys.expiration is not None
    assert keys.expiration - before <= timedelta(seconds=6)
    assert keys.expiration > before


def test_unknown_access_key_is_refused_before_the_trust_policy(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients
) -> None:
    # moto would take a key it never issued for its default user; AWS knows no such key.
    anyone = AccessKeys("AKIAEXAMPLEUNKNOWN00", "secret")
    with pytest.raises(ClientError) as raised:
        aws_clients.assume_role(anyone, _member_role(aws_org), aws_org.external_id)
    assert raised.value.response["Error"]["Code"] == "InvalidClientTokenId"
