"""integrations, discovery profiles, scans, inventory

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "integrations",
        sa.Column("id", sa.String(length=48), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=True),
        sa.Column("parent_id", sa.String(length=48), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(length=2048), nullable=True),
        sa.Column("account_id", sa.String(length=12), nullable=True),
        sa.Column("account_name", sa.String(length=255), nullable=True),
        sa.Column("regions_requested", sa.String(length=1024), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("authorization", sa.String(length=16), nullable=True),
        sa.Column("validation", sa.JSON(), nullable=True),
        sa.Column("install_all_linked", sa.Boolean(), nullable=False),
        sa.Column("member_role_name", sa.String(length=64), nullable=True),
        sa.Column("ou_include", sa.JSON(), nullable=False),
        sa.Column("ou_exclude", sa.JSON(), nullable=False),
        sa.Column("org_status", sa.String(length=16), nullable=True),
        sa.Column("profiles_inherited", sa.Boolean(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("installed_by", sa.String(length=160), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_scan_id", sa.String(length=36), nullable=True),
        sa.Column("org_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["aws_credentials.id"],
            name=op.f("fk_integrations_credential_id_aws_credentials"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["integrations.id"],
            name=op.f("fk_integrations_parent_id_integrations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_integrations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrations")),
    )
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integrations_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_integrations_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_integrations_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_integrations_tenant_name", ["tenant_id", "display_name"], unique=False
        )

    op.create_table(
        "discovery_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("integration_id", sa.String(length=48), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("credential_set", sa.String(length=255), nullable=True),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=True),
        sa.Column("inherited_from", sa.Integer(), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_discovery_profiles_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_discovery_profiles_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovery_profiles")),
    )
    with op.batch_alter_table("discovery_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discovery_profiles_integration_id"), ["integration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_discovery_profiles_next_run_at"), ["next_run_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_discovery_profiles_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("integration_id", sa.String(length=48), nullable=False),
        sa.Column("arn", sa.String(length=2048), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=True),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("zone", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=64), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("relationships", sa.JSON(), nullable=False),
        sa.Column("created_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_changed", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_resources_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_resources_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
        sa.UniqueConstraint("integration_id", "arn", name="uq_resources_integration_arn"),
    )
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resources_scope", ["integration_id", "region", "resource_type"], unique=False
        )
        batch_op.create_index(
            "ix_resources_tenant_type", ["tenant_id", "resource_type"], unique=False
        )

    op.create_table(
        "scans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("integration_id", sa.String(length=48), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=160), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("units_total", sa.Integer(), nullable=False),
        sa.Column("units_done", sa.Integer(), nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("throttles", sa.Integer(), nullable=False),
        sa.Column("resources_found", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=4096), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_scans_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_scans_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scans")),
    )
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scans_integration_started", ["integration_id", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scans_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "resource_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_resource_changes_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scan_id"],
            ["scans.id"],
            name=op.f("fk_resource_changes_scan_id_scans"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_resource_changes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_changes")),
    )
    with op.batch_alter_table("resource_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resource_changes_resource_id"), ["resource_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_resource_changes_scan_id"), ["scan_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_resource_changes_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "scan_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("scan_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=True),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=128), nullable=True),
        sa.Column("error", sa.String(length=4096), nullable=True),
        sa.Column("action", sa.String(length=128), nullable=True),
        sa.Column("resources", sa.Integer(), nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_scan_units_scan_id_scans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_scan_units_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_units")),
        sa.UniqueConstraint("scan_id", "region", "resource_type", name="uq_scan_units"),
    )
    with op.batch_alter_table("scan_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scan_units_scan_id"), ["scan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scan_units_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scan_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scan_units_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_scan_units_scan_id"))

    op.drop_table("scan_units")
    with op.batch_alter_table("resource_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_changes_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_resource_changes_scan_id"))
        batch_op.drop_index(batch_op.f("ix_resource_changes_resource_id"))

    op.drop_table("resource_changes")
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scans_tenant_id"))
        batch_op.drop_index("ix_scans_integration_started")

    op.drop_table("scans")
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.drop_index("ix_resources_tenant_type")
        batch_op.drop_index("ix_resources_scope")

    op.drop_table("resources")
    with op.batch_alter_table("discovery_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discovery_profiles_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_discovery_profiles_next_run_at"))
        batch_op.drop_index(batch_op.f("ix_discovery_profiles_integration_id"))

    op.drop_table("discovery_profiles")
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.drop_index("ix_integrations_tenant_name")
        batch_op.drop_index(batch_op.f("ix_integrations_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_integrations_parent_id"))
        batch_op.drop_index(batch_op.f("ix_integrations_account_id"))

    op.drop_table("integrations")
