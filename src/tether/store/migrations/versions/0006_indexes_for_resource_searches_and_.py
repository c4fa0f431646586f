"""indexes for resource searches and change charts

The search's selective filters (region, account, name; on PostgreSQL also nameContains,
through pg_trgm) and a tenant's changes over time, which replaces the tenant-only index.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 09:21:41.731149
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_resource_changes_tenant_at", "resource_changes", ["tenant_id", "at"], unique=False
    )
    op.drop_index("ix_resource_changes_tenant_id", table_name="resource_changes")
    op.create_index(
        "ix_resources_tenant_region", "resources", ["tenant_id", "region"], unique=False
    )
    op.create_index(
        "ix_resources_tenant_account", "resources", ["tenant_id", "account_id"], unique=False
    )
    op.create_index("ix_resources_tenant_name", "resources", ["tenant_id", "name"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm ships with PostgreSQL itself (Debian's postgresql package, RDS, Cloud SQL)
        # and is a trusted extension: the database's owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_resources_name_trgm",
            "resources",
            [sa.literal_column("lower(name)").label("name_lower")],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"name_lower": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The extension stays: dropping it could break anything else that uses it.
        op.drop_index("ix_resources_name_trgm", table_name="resources")
    op.drop_index("ix_resources_tenant_name", table_name="resources")
    op.drop_index("ix_resources_tenant_account", table_name="resources")
    op.drop_index("ix_resources_tenant_region", table_name="resources")
    op.create_index(
        "ix_resource_changes_tenant_id", "resource_changes", ["tenant_id"], unique=False
    )
    op.drop_index("ix_resource_changes_tenant_at", table_name="resource_changes")
