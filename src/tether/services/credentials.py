"""Storing AWS credentials, and rotating an External ID without a gap in access."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from tether.aws.errors import classify
from tether.aws.external_id import generate_external_id
from tether.aws.sessions import AwsSessions
from tether.domain.credentials import AwsCredential
from tether.errors import InvalidInput
from tether.security.scoping import TenantScope
from tether.security.secretbox import SecretBox
from tether.store.db import Database
from tether.store.repositories.audit import AuditLog
from tether.store.repositories.credentials import CredentialRepository


def store_credential(
    db: Database, box: SecretBox, scope: TenantScope, credential: AwsCredential
) -> str:
    """Seal and store ``credential`` (validate it first); returns its id."""
    scope.require_write()
    with db.transaction() as session:
        credential_id = CredentialRepository(session, scope).add(box, credential)
        AuditLog(session, scope).record(
            "credential.create", "aws_credential", credential_id, credential.describe()
        )
    return credential_id


def load_credential(
    db: Database, box: SecretBox, scope: TenantScope, credential_id: str
) -> AwsCredential:
    with db.transaction() as session:
        return CredentialRepository(session, scope).load(box, credential_id)


def begin_external_id_rotation(db: Database, scope: TenantScope, credential_id: str) -> str:
    """Issue a new External ID. The current one stays in use until the new one is confirmed,
    so the user can add the new value to the role's trust policy first."""
    scope.require_write()
    with db.transaction() as session:
        row = CredentialRepository(session, scope).row(credential_id)
        if row.role_arn is None:
            raise InvalidInput("ExternalId", "this credential assumes no role")
        row.pending_external_id = generate_external_id()
        AuditLog(session, scope).record(
            "credential.external_id.rotate", "aws_credential", credential_id
        )
        return row.pending_external_id


@dataclass(frozen=True, slots=True)
class Confirmation:
    confirmed: bool
    reason: str


def confirm_external_id(
    db: Database, box: SecretBox, sessions: AwsSessions, scope: TenantScope, credential_id: str
) -> Confirmation:
    """Assume the role with the pending External ID; only if that works does it replace the
    current one."""
    scope.require_write()
    with db.transaction() as session:
        repo = CredentialRepository(session, scope)
        if repo.row(credential_id).pending_external_id is None:
            raise InvalidInput("ExternalId", "no External ID rotation is pending")
        pending = repo.load(box, credential_id, pending=True)
    assert pending.role is not None
    try:
        sessions.identity(pending, f"confirm-{credential_id[:8]}")
    except (ClientError, BotoCoreError) as error:
        return Confirmation(
            False, f"the new External ID does not work yet: {classify(error).reason}"
        )
    with db.transaction() as session:
        row = CredentialRepository(session, scope).row(credential_id)
        row.external_id, row.pending_external_id = row.pending_external_id, None
        AuditLog(session, scope).record(
            "credential.external_id.confirm", "aws_credential", credential_id
        )
    return Confirmation(True, "the new External ID works and is now in use")
