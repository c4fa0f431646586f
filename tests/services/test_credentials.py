"""Credentials at rest and External ID rotation."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulator.plugin import EmulatorClients
from tether.aws.regions import RegionSelection
from tether.aws.sessions import AwsSessions, AwsSettings
from tether.config import Settings
from tether.domain.credentials import AccessKey, IamAssumeRole, RoleTarget
from tether.domain.tenancy import TenantKind
from tether.emulator import EmulatedOrganization, FaultProxy
from tether.errors import InvalidInput
from tether.security.scoping import TenantScope, system_scope
from tether.services.bootstrap import new_tenant_id
from tether.services.credentials import (
    begin_external_id_rotation,
    confirm_external_id,
    load_credential,
    store_credential,
)
from tether.services.keys import load_secret_box
from tether.services.validation import validate_credential
from tether.store.db import Database
from tether.store.models import Tenant
from tether.store.repositories.tenants import TenantDirectory

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _scope(db: Database) -> TenantScope:
    with db.transaction() as session:
        ref = TenantDirectory(session).add_partner(
            Tenant(id=new_tenant_id(TenantKind.PARTNER), kind="partner", name="MSP")
        )
    return system_scope(ref)


def _credential(org: EmulatedOrganization, role_arn: str, external_id: str | None) -> IamAssumeRole:
    return IamAssumeRole(
        account_number=org.trusted_account_id,
        key=AccessKey(org.trusted_keys.access_key_id, org.trusted_keys.secret_access_key),
        target=RoleTarget(role_arn, external_id),
    )


def test_a_stored_credential_round_trips(database: Database, tmp_path: Path) -> None:
    box = load_secret_box(Settings(data_dir=tmp_path))
    scope = _scope(database)
    credential = IamAssumeRole(
        account_number="111111111111",
        key=AccessKey("AKIAIOSFODNN7EXAMPLE", SECRET),
        target=RoleTarget("arn:aws:iam::222222222222:role/Monitoring", "ext-123456"),
    )
    credential_id = store_credential(database, box, scope, credential)
    assert load_credential(database, box, scope, credential_id) == credential
    assert SECRET not in repr(credential)


def test_the_secret_never_reaches_the_database_file_or_the_logs(
    sqlite_database: Database,
    tmp_path: Path,
    aws_faults: FaultProxy,
    aws_org: EmulatedOrganization,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # botocore included
    box = load_secret_box(Settings(data_dir=tmp_path))
    scope = _scope(sqlite_database)
    member = aws_org.onboarded_member_ids[0]
    credential = _credential(aws_org, aws_org.role_arns[member], aws_org.external_id)
    secret = credential.key.secret_access_key
    sessions = AwsSessions(AwsSettings(endpoint_url=aws_faults.endpoint_url))
    report = validate_credential(sessions, credential, RegionSelection.parse("us-east-1"))
    assert report.ok
    store_credential(sqlite_database, box, scope, credential)
    sqlite_database.dispose()
    assert "botocore" in caplog.text  # the capture did see AWS traffic
    assert secret not in caplog.text
    for path in tmp_path.glob("tether.db*"):
        assert secret.encode() not in path.read_bytes()
    assert secret not in json.dumps(report.to_dict())


@pytest.fixture
def rotating_role(
    aws_org: EmulatedOrganization, moto_clients: EmulatorClients
) -> Iterator[tuple[str, str]]:
    """A role in a member account whose trust policy the test can change."""
    member = aws_org.onboarded_member_ids[0]
    iam = moto_clients.as_account("iam", member)
    name = f"TetherRotation{time.time_ns()}"
    arn = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=_trust(aws_org.trusted_account_id, ["old-external-id"]),
    )["Role"]["Arn"]
    yield arn, name
    iam.delete_role(RoleName=name)


def _trust(trusted: str, external_ids: list[str]) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{trusted}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_ids}},
        }],
    })  # fmt: skip


def test_external_id_rotation_keeps_the_old_one_until_the_new_one_works(
    database: Database,
    tmp_path: Path,
    aws_faults: FaultProxy,
    aws_org: EmulatedOrganization,
    moto_clients: EmulatorClients,
    rotating_role: tuple[str, str],
) -> None:
    arn, name = rotating_role
    box = load_secret_box(Settings(data_dir=tmp_path))
    scope = _scope(database)
    sessions = AwsSessions(AwsSettings(endpoint_url=aws_faults.endpoint_url))
    credential_id = store_credential(
        database, box, scope, _credential(aws_org, arn, "old-external-id")
    )
    new_id = begin_external_id_rotation(database, scope, credential_id)
    assert len(new_id) >= 32

    not_yet = confirm_external_id(database, box, sessions, scope, credential_id)
    assert not not_yet.confirmed
    assert "AccessDenied" in not_yet.reason
    current = load_credential(database, box, scope, credential_id)
    assert current.role is not None
    assert current.role.external_id == "old-external-id"
    sessions.identity(current, "still-works")  # the old External ID still opens the role

    member = arn.split(":")[4]
    moto_clients.as_account("iam", member).update_assume_role_policy(
        RoleName=name,
        PolicyDocument=_trust(aws_org.trusted_account_id, ["old-external-id", new_id]),
    )
    confirmed = confirm_external_id(database, box, sessions, scope, credential_id)
    assert confirmed.confirmed, confirmed.reason
    rotated = load_credential(database, box, scope, credential_id)
    assert rotated.role is not None
    assert rotated.role.external_id == new_id
    with pytest.raises(InvalidInput, match="no External ID rotation is pending"):
        confirm_external_id(database, box, sessions, scope, credential_id)
