"""AWS credentials of one tenant; secret keys are sealed through ``SecretRepository``."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from tether.domain.credentials import AccessKey, AwsCredential, RoleTarget, credential_from_form
from tether.errors import NotFound
from tether.security.secretbox import SecretBox
from tether.store.models import AwsCredentialRow
from tether.store.repositories.base import ScopedRepository
from tether.store.repositories.secrets import SecretRepository

SECRET_PURPOSE = "aws.secret_access_key"  # noqa: S105 (a label, not a secret)


class CredentialRepository(ScopedRepository):
    def add(self, box: SecretBox, credential: AwsCredential) -> str:
        key = credential.access_key
        secret_id = (
            SecretRepository(self.session, self.scope).add(
                box, SECRET_PURPOSE, key.secret_access_key
            )
            if key
            else None
        )
        row = AwsCredentialRow(
            id=str(uuid.uuid4()),
            tenant_id=self.tenant_id,
            aws_type=credential.aws_type.value,
            account_number=credential.account_number,
            access_key_id=key.access_key_id if key else None,
            secret_id=secret_id,
            role_arn=credential.role.role_arn if credential.role else None,
            external_id=credential.role.external_id if credential.role else None,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def row(self, credential_id: str) -> AwsCredentialRow:
        row = self.session.scalars(
            select(AwsCredentialRow).where(
                AwsCredentialRow.tenant_id == self.tenant_id, AwsCredentialRow.id == credential_id
            )
        ).first()
        if row is None:
            raise NotFound(f"credential {credential_id} not found", code="credential_not_found")
        return row

    def load(self, box: SecretBox, credential_id: str, pending: bool = False) -> AwsCredential:
        """The credential, secret opened; ``pending``: with the External ID being rotated to."""
        row = self.row(credential_id)
        secret = (
            SecretRepository(self.session, self.scope).open(box, row.secret_id)
            if row.secret_id
            else None
        )
        credential = credential_from_form(
            {
                "AWSType": row.aws_type,
                "AccountNumber": row.account_number,
                "AccessKey": row.access_key_id,
                "SecurityKey": secret,
                "AssumeRoleARN": row.role_arn,
                "ExternalId": row.external_id,
            }
        )
        if pending and row.pending_external_id and credential.role:
            credential = credential.with_role(
                RoleTarget(credential.role.role_arn, row.pending_external_id)
            )
        return credential

    def replace_key(self, box: SecretBox, credential_id: str, key: AccessKey) -> None:
        row = self.row(credential_id)
        secrets = SecretRepository(self.session, self.scope)
        old = row.secret_id
        row.secret_id = secrets.add(box, SECRET_PURPOSE, key.secret_access_key)
        row.access_key_id = key.access_key_id
        self.session.flush()
        if old:
            secrets.delete(old)

    def delete(self, credential_id: str) -> None:
        row = self.row(credential_id)
        secret_id = row.secret_id
        self.session.delete(row)
        self.session.flush()
        if secret_id:
            SecretRepository(self.session, self.scope).delete(secret_id)
