"""live resources paged, and tag-searched on SQLite, from indexes

``ix_resources_tenant_live`` (tenant, deleted_at, id) holds a tenant's live resources in id
order: a page deep in a search (``OFFSET`` thousands) steps over index entries instead of
reading each skipped row to test ``deleted_at``.

``ix_resources_tenant_tags`` (SQLite only) carries each resource's tags: a tag search reads
them from the index, not from rows many times their size. PostgreSQL has no btree for
``json``; it reads the rows (in parallel) instead.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 18:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_resources_tenant_live", "resources", ["tenant_id", "deleted_at", "id"], unique=False
    )
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(
            "ix_resources_tenant_tags", "resources", ["tenant_id", "deleted_at", "tags"]
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_resources_tenant_tags", table_name="resources")
    op.drop_index("ix_resources_tenant_live", table_name="resources")
