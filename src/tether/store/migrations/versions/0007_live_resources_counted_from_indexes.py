"""live resources counted from the search indexes

The search indexes gain ``deleted_at`` as their last column: every search counts the live
resources that match (``deleted_at IS NULL``) on each page, and with the column in the
index that count reads no table row.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, its filter column)
SEARCH_INDEXES = (
    ("ix_resources_tenant_type", "resource_type"),
    ("ix_resources_tenant_region", "region"),
    ("ix_resources_tenant_account", "account_id"),
    ("ix_resources_tenant_name", "name"),
)


def upgrade() -> None:
    for name, column in SEARCH_INDEXES:
        op.drop_index(name, table_name="resources")
        op.create_index(name, "resources", ["tenant_id", column, "deleted_at"], unique=False)


def downgrade() -> None:
    for name, column in SEARCH_INDEXES:
        op.drop_index(name, table_name="resources")
        op.create_index(name, "resources", ["tenant_id", column], unique=False)
