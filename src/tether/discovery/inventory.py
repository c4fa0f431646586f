"""Applying one ``ok`` unit's findings to its scope, with history.

Scope = (integration, region, resource type); a global type's scope is the whole
integration. Only a unit that ended ``ok`` may change its scope: new resources are
created, changed ones updated with a field-level diff, missing ones marked deleted (kept,
with ``deleted_at``, for the integration's retention period). Resources AWS still has but no
discovery profile selects any more leave the inventory as "excluded", not "deleted". An
unchanged resource is not written.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tether.domain.resources import ResourceRecord
from tether.security.scoping import TenantScope
from tether.store.models import Resource, ResourceChange
from tether.store.types import utcnow

TRACKED = ("name", "zone", "state", "tags", "attributes", "relationships", "created_time")


@dataclass(frozen=True, slots=True)
class Applied:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


def apply_scope(
    session: Session,
    scope: TenantScope,
    integration_id: str,
    region: str | None,
    resource_type: str,
    found: Iterable[ResourceRecord],
    scan_id: str | None,
    excluded: Collection[str] = (),
) -> Applied:
    """``region`` None: a global type's scope. ``excluded``: ARNs found but not selected."""
    query = select(Resource).where(
        Resource.tenant_id == scope.tenant_id,
        Resource.integration_id == integration_id,
        Resource.resource_type == resource_type,
    )
    if region is not None:
        query = query.where(Resource.region == region)
    existing = {row.arn: row for row in session.scalars(query)}
    now = utcnow()
    created = updated = unchanged = deleted = 0
    seen: set[str] = set()
    for record in found:
        seen.add(record.arn)
        row = existing.get(record.arn)
        fingerprint = record.fingerprint
        if row is None:
            row = Resource(
                tenant_id=scope.tenant_id,
                integration_id=integration_id,
                fingerprint=fingerprint,
                first_seen=now,
                last_changed=now,
                **_columns(record),
            )
            session.add(row)
            session.flush()
            _history(session, scope, row.id, scan_id, "created", {}, now)
            created += 1
        elif row.fingerprint != fingerprint or row.deleted_at is not None:
            diff = _diff(row, record)
            kind = "created" if row.deleted_at is not None else "updated"
            for key, value in _columns(record).items():
                setattr(row, key, value)
            row.fingerprint, row.last_changed, row.deleted_at = fingerprint, now, None
            _history(session, scope, row.id, scan_id, kind, diff, now)
            updated += 1
        else:
            unchanged += 1
    for arn, row in existing.items():
        if arn not in seen and row.deleted_at is None:
            row.deleted_at, row.last_changed = now, now
            kind = "excluded" if arn in excluded else "deleted"
            _history(session, scope, row.id, scan_id, kind, {}, now)
            deleted += 1
    return Applied(created, updated, deleted, unchanged)


def _columns(record: ResourceRecord) -> dict[str, Any]:
    return {
        "arn": record.arn,
        "resource_type": record.resource_type,
        "name": record.name,
        "account_id": record.account_id,
        "region": record.region,
        "zone": record.zone,
        "state": record.state,
        "tags": dict(record.tags),
        "attributes": dict(record.attributes),
        "relationships": list(record.relationships),
        "created_time": record.created_time,
    }


def _diff(row: Resource, record: ResourceRecord) -> dict[str, Any]:
    """Field-level: {"field": {"old": ..., "new": ...}} for every tracked field that changed."""
    new = record.comparable()
    changes: dict[str, Any] = {}
    for key in TRACKED:
        old_value = getattr(row, key)
        if key == "created_time" and old_value is not None:
            old_value = old_value.isoformat()
        if old_value != new[key]:
            changes[key] = {"old": old_value, "new": new[key]}
    return changes


def _history(
    session: Session,
    scope: TenantScope,
    resource_id: int,
    scan_id: str | None,
    kind: str,
    diff: dict[str, Any],
    at: Any,
) -> None:
    session.add(
        ResourceChange(
            tenant_id=scope.tenant_id,
            resource_id=resource_id,
            scan_id=scan_id,
            kind=kind,
            diff=diff,
            at=at,
        )
    )
