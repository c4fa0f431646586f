"""aws credentials

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "aws_credentials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("aws_type", sa.String(length=64), nullable=False),
        sa.Column("account_number", sa.String(length=12), nullable=True),
        sa.Column("access_key_id", sa.String(length=128), nullable=True),
        sa.Column("secret_id", sa.String(length=36), nullable=True),
        sa.Column("role_arn", sa.String(length=2048), nullable=True),
        sa.Column("external_id", sa.String(length=1224), nullable=True),
        sa.Column("pending_external_id", sa.String(length=1224), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["secret_id"], ["secrets.id"], name=op.f("fk_aws_credentials_secret_id_secrets")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_aws_credentials_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aws_credentials")),
    )
    with op.batch_alter_table("aws_credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aws_credentials_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("aws_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aws_credentials_tenant_id"))

    op.drop_table("aws_credentials")
