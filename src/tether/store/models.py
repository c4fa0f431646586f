"""SQL models. Every row belongs to exactly one tenant (``tenant_id``, or for a client
tenant its partner ``parent_id``); repositories in ``repositories/`` filter by it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
    column,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tether.store.types import UTCDateTime, utcnow

# Named constraints so that Alembic's batch mode (SQLite) can alter them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # SQLAlchemy reads this class attribute once, when the models are declared.
    type_annotation_map = {datetime: UTCDateTime(timezone=True), dict[str, Any]: JSON()}  # noqa: RUF012


class Tenant(Base):
    """A partner (``msp_...``) or one of its clients (``client_...``)."""

    __tablename__ = "tenants"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_tenants_parent_name"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(1024))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str | None] = mapped_column(String(128))
    city: Mapped[str | None] = mapped_column(String(128))
    zipcode: Mapped[str | None] = mapped_column(String(32))
    phone_number: Mapped[str | None] = mapped_column(String(64))
    website: Mapped[str | None] = mapped_column(String(512))
    client_details: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]


class ApiClient(Base):
    """A key + secret pair for the OAuth client-credentials grant; the secret is hashed."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class AccessToken(Base):
    """A bearer token, stored as its SHA-256 digest so a database leak yields no tokens."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    api_client_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_clients.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Who did what, when, in which tenant."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_tenant_at", "tenant_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(160))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(128))
    details: Mapped[dict[str, Any] | None]


class Secret(Base):
    """One secret sealed by ``security.secretbox``: ciphertext and its wrapped data key."""

    __tablename__ = "secrets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    nonce: Mapped[bytes] = mapped_column(LargeBinary(16))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary(64))
    wrap_nonce: Mapped[bytes] = mapped_column(LargeBinary(16))
    master_key_id: Mapped[str] = mapped_column(String(16), index=True)
    # The last characters only, for masked display ("****WXYZ").
    hint: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AwsCredentialRow(Base):
    """How Tether authenticates to one AWS account; the secret key lives in ``secrets``."""

    __tablename__ = "aws_credentials"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    aws_type: Mapped[str] = mapped_column(String(64))
    account_number: Mapped[str | None] = mapped_column(String(12))
    access_key_id: Mapped[str | None] = mapped_column(String(128))
    secret_id: Mapped[str | None] = mapped_column(ForeignKey("secrets.id"))
    role_arn: Mapped[str | None] = mapped_column(String(2048))
    external_id: Mapped[str | None] = mapped_column(String(1224))
    # A rotated External ID waits here until AssumeRole with it is proven to work.
    pending_external_id: Mapped[str | None] = mapped_column(String(1224))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Integration(Base):
    """An installed AWS integration of a client: one monitored account.

    A parent installed with "Install All Linked Accounts" has a child per member account of
    its Organization; a child's credential assumes the member role chained from the parent.
    """

    __tablename__ = "integrations"
    __table_args__ = (Index("ix_integrations_tenant_name", "tenant_id", "display_name"),)

    id: Mapped[str] = mapped_column(String(48), primary_key=True)  # INTG-<uuid>
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(255))
    # A child has no credential of its own: it chains from its parent's.
    credential_id: Mapped[str | None] = mapped_column(ForeignKey("aws_credentials.id"))
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="SET NULL"), index=True
    )
    # enabled | disabled | failed (a child whose role could not be assumed)
    status: Mapped[str] = mapped_column(String(16), default="enabled")
    status_reason: Mapped[str | None] = mapped_column(String(2048))
    account_id: Mapped[str | None] = mapped_column(String(12), index=True)
    account_name: Mapped[str | None] = mapped_column(String(255))
    regions_requested: Mapped[str] = mapped_column(String(1024))  # "All" or a list, as given
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)  # resolved at validation
    authorization: Mapped[str | None] = mapped_column(String(16))  # full | partial
    validation: Mapped[dict[str, Any] | None]  # the last validation report
    install_all_linked: Mapped[bool] = mapped_column(default=False)
    member_role_name: Mapped[str | None] = mapped_column(String(64))
    ou_include: Mapped[list[str]] = mapped_column(JSON, default=list)
    ou_exclude: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A child's account as the Organization reports it: ACTIVE | SUSPENDED | CLOSED | REMOVED
    org_status: Mapped[str | None] = mapped_column(String(16))
    # Whether the parent's discovery profiles were copied at this child's first scan.
    profiles_inherited: Mapped[bool] = mapped_column(default=False)
    retention_days: Mapped[int] = mapped_column(default=7)
    installed_by: Mapped[str] = mapped_column(String(160))
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_scan_id: Mapped[str | None] = mapped_column(String(36))
    org_synced_at: Mapped[datetime | None]


class DiscoveryProfile(Base):
    """OpsRamp's discovery profile: rules, actions and an optional schedule."""

    __tablename__ = "discovery_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    integration_id: Mapped[str] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    credential_set: Mapped[str | None] = mapped_column(String(255))
    policy: Mapped[dict[str, Any]]
    schedule: Mapped[dict[str, Any] | None]
    # The parent's profile this one was copied from at a linked child's first scan.
    inherited_from: Mapped[int | None] = mapped_column(Integer)
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    last_run_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Scan(Base):
    """One discovery run of one integration."""

    __tablename__ = "scans"
    __table_args__ = (Index("ix_scans_integration_started", "integration_id", "started_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    integration_id: Mapped[str] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(16))  # manual | schedule | install | api
    requested_by: Mapped[str] = mapped_column(String(160))
    # queued | running | ok | partial | failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    units_total: Mapped[int] = mapped_column(default=0)
    units_done: Mapped[int] = mapped_column(default=0)
    api_calls: Mapped[int] = mapped_column(default=0)
    throttles: Mapped[int] = mapped_column(default=0)
    resources_found: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(4096))


class ScanUnit(Base):
    """One scope of a scan: (region, resource type); global types have region "global"."""

    __tablename__ = "scan_units"
    __table_args__ = (UniqueConstraint("scan_id", "region", "resource_type", name="uq_scan_units"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    scan_id: Mapped[str] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[str | None] = mapped_column(String(12))
    region: Mapped[str] = mapped_column(String(32))
    resource_type: Mapped[str] = mapped_column(String(64))
    # pending | ok | skipped | denied | throttled | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error_code: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(String(4096))
    action: Mapped[str | None] = mapped_column(String(128))  # the IAM action denied
    resources: Mapped[int] = mapped_column(default=0)
    api_calls: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Resource(Base):
    """One AWS resource as last seen; ``deleted_at`` marks one gone from an ``ok`` unit."""

    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("integration_id", "arn", name="uq_resources_integration_arn"),
        # The search's filters, each with deleted_at last: a search counts the live matches
        # from the index alone, without reading a row (and pages in id order from it).
        Index("ix_resources_tenant_type", "tenant_id", "resource_type", "deleted_at"),
        Index("ix_resources_scope", "integration_id", "region", "resource_type"),
        # The export pages through a tenant by id; relationships resolve by ARN.
        Index("ix_resources_tenant_id", "tenant_id", "id"),
        Index("ix_resources_tenant_arn", "tenant_id", "arn"),
        # The search's selective filters, and the region/account choices of the charts.
        Index("ix_resources_tenant_region", "tenant_id", "region", "deleted_at"),
        Index("ix_resources_tenant_account", "tenant_id", "account_id", "deleted_at"),
        Index("ix_resources_tenant_name", "tenant_id", "name", "deleted_at"),
        # A tenant's live resources in id order: deep pages skip index entries, not rows.
        Index("ix_resources_tenant_live", "tenant_id", "deleted_at", "id"),
        # Tag searches read the tags from the index, not the rows (no btree on PostgreSQL's
        # json type).
        Index("ix_resources_tenant_tags", "tenant_id", "deleted_at", "tags").ddl_if(
            dialect="sqlite"
        ),
        # nameContains is LOWER(name) LIKE '%...%' on PostgreSQL: only trigrams index that
        # (pg_trgm). SQLite's plain LIKE (store/text_match.py) reads ix_resources_tenant_name.
        Index(
            "ix_resources_name_trgm",
            func.lower(column("name")).label("name_lower"),
            postgresql_using="gin",
            postgresql_ops={"name_lower": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    integration_id: Mapped[str] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    arn: Mapped[str] = mapped_column(String(2048))
    resource_type: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(512))
    account_id: Mapped[str] = mapped_column(String(12))
    region: Mapped[str] = mapped_column(String(32))
    zone: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    relationships: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_time: Mapped[datetime | None]
    # A digest of everything above: an unchanged resource is recognised without a diff.
    fingerprint: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_changed: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]


class ResourceChange(Base):
    """The history: one row per create, update or delete, with a field-level diff."""

    __tablename__ = "resource_changes"
    # The charts read a tenant's changes since a day; it also serves any by-tenant lookup.
    __table_args__ = (Index("ix_resource_changes_tenant_at", "tenant_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    scan_id: Mapped[str | None] = mapped_column(
        ForeignKey("scans.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # created | updated | deleted | excluded
    diff: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)
