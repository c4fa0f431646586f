"""Applying one ``ok`` unit's findings to its scope, with history.

Scope = (integration, region, resource type); a global type's scope is the whole
integration. Only a unit that ended ``ok`` may change its scope: new resources are
created, changed ones updated with a field-level diff, missing ones marked deleted (kept,
with ``deleted_at``, for the integration's retention period). Resources AWS still has but no
discovery profile selects any more leave the inventory as "excluded", not "deleted". An
unchanged resource is not written.

Writes are set-based: one query reads the scope's fingerprints, then new resources, updates
and history rows go in as multi-row statements, so a unit of thousands of resources costs a
handful of round trips. Scans may run on several worker processes and a unit may be
delivered twice: on PostgreSQL a transaction-scoped advisory lock serialises writers of one
scope (the second sees the first's result and finds nothing to change), and new resources
are inserted with ``ON CONFLICT (integration_id, arn) DO NOTHING`` so that no writer can
fail on, or write history for, a row another one created.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, RowMapping, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tether.domain.resources import ResourceRecord
from tether.security.scoping import TenantScope
from tether.store.models import Resource, ResourceChange
from tether.store.types import utcnow

log = logging.getLogger(__name__)

TRACKED = ("name", "zone", "state", "tags", "attributes", "relationships", "created_time")
# Ids per IN list: well under SQLite's and PostgreSQL's bound-parameter limits.
_IDS_PER_QUERY = 1000
# Rows carry NULLs (no zone, no scan id); without render_nulls the ORM splits a batch by
# which keys are None. psycopg parses each statement's placeholders in Python, and one
# 1000-row VALUES list (the default page) took twice as long as 50-row ones.
_BULK = {"render_nulls": True, "insertmanyvalues_page_size": 50}


@dataclass(frozen=True, slots=True)
class Applied:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class _Stored:
    """What deciding about a stored resource needs; the rest is read only if it changed."""

    id: int
    fingerprint: str
    deleted_at: datetime | None


def apply_scope(
    session: Session,
    scope: TenantScope,
    integration_id: str,
    region: str | None,
    resource_type: str,
    found: Iterable[ResourceRecord],
    scan_id: str | None,
    excluded: Collection[str] = (),
    fingerprints: Mapping[str, str] | None = None,
) -> Applied:
    """``region`` None: a global type's scope. ``excluded``: ARNs found but not selected.
    ``fingerprints`` by ARN, when the caller computed them before its transaction began."""
    # One record per ARN, in the order found (the history and new ids follow it). The
    # fingerprints are the costly part: computed before the lock, so it is held briefly.
    records = {
        record.arn: (record, fingerprints[record.arn] if fingerprints else record.fingerprint)
        for record in found
    }
    _lock_scope(session, integration_id, region, resource_type)
    stored = _stored(session, scope, integration_id, region, resource_type)
    now = utcnow()
    unchanged = 0
    writes: list[tuple[ResourceRecord, str, _Stored | None]] = []
    for record, fingerprint in records.values():
        row = stored.get(record.arn)
        if row is not None and row.fingerprint == fingerprint and row.deleted_at is None:
            unchanged += 1
        else:
            writes.append((record, fingerprint, row))
    gone = [
        (arn, row) for arn, row in stored.items() if arn not in records and row.deleted_at is None
    ]
    if not writes and not gone:
        return Applied(unchanged=unchanged)

    new_ids = _insert_new(
        session,
        scope.tenant_id,
        integration_id,
        [(r, f) for r, f, row in writes if row is None],
        now,
    )
    before = _tracked(session, [row.id for _, _, row in writes if row is not None])
    history: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    created = updated = 0
    for record, fingerprint, row in writes:
        if row is None:
            resource_id = new_ids.get(record.arn)
            if resource_id is None:  # already stored, under another scope or meanwhile
                unchanged += 1
                continue
            history.append(_change(scope, resource_id, scan_id, "created", {}, now))
            created += 1
            continue
        kind = "created" if row.deleted_at is not None else "updated"
        history.append(_change(scope, row.id, scan_id, kind, _diff(before[row.id], record), now))
        changed = {"fingerprint": fingerprint, "last_changed": now, "deleted_at": None}
        updates.append({"id": row.id, **_columns(record), **changed})
        updated += 1
    removals = [{"id": row.id, "deleted_at": now, "last_changed": now} for _, row in gone]
    for arn, row in gone:
        kind = "excluded" if arn in excluded else "deleted"
        history.append(_change(scope, row.id, scan_id, kind, {}, now))
    for rows in (updates, removals):
        if rows:
            session.execute(update(Resource).execution_options(**_BULK), rows)
    if history:
        session.execute(insert(ResourceChange).execution_options(**_BULK), history)
    return Applied(created, updated, len(gone), unchanged)


def _lock_scope(
    session: Session, integration_id: str, region: str | None, resource_type: str
) -> None:
    """On PostgreSQL, wait for any other transaction writing this scope to end.

    The lock is released at commit or rollback. A hash collision only makes two scopes
    wait for each other. SQLite takes none: its writers take turns on the file, though the
    read before a write is not covered; deliveries of one unit at the same moment come from
    several workers, which is what PostgreSQL is for."""
    if session.get_bind().dialect.name != "postgresql":
        return
    name = "\x1f".join((integration_id, region or "", resource_type)).encode()
    key = int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big", signed=True)
    session.execute(select(func.pg_advisory_xact_lock(key)))


def _stored(
    session: Session,
    scope: TenantScope,
    integration_id: str,
    region: str | None,
    resource_type: str,
) -> dict[str, _Stored]:
    query = select(Resource.arn, Resource.id, Resource.fingerprint, Resource.deleted_at).where(
        Resource.tenant_id == scope.tenant_id,
        Resource.integration_id == integration_id,
        Resource.resource_type == resource_type,
    )
    if region is not None:
        query = query.where(Resource.region == region)
    return {arn: _Stored(id_, fp, deleted) for arn, id_, fp, deleted in session.execute(query)}


def _tracked(session: Session, resource_ids: Sequence[int]) -> dict[int, RowMapping]:
    """The tracked fields of resources about to change, for their diffs."""
    columns = [getattr(Resource, key) for key in TRACKED]
    found: dict[int, RowMapping] = {}
    for start in range(0, len(resource_ids), _IDS_PER_QUERY):
        chunk = resource_ids[start : start + _IDS_PER_QUERY]
        for row in session.execute(select(Resource.id, *columns).where(Resource.id.in_(chunk))):
            found[row.id] = row._mapping
    return found


def _insert_new(
    session: Session,
    tenant_id: str,
    integration_id: str,
    new: Sequence[tuple[ResourceRecord, str]],
    now: datetime,
) -> dict[str, int]:
    """Insert resources in bulk; the ids of those inserted, by ARN. An ARN missing from the
    result was already stored (by a concurrent writer) and is left as it is."""
    if not new:
        return {}
    rows = [
        {
            "tenant_id": tenant_id,
            "integration_id": integration_id,
            "fingerprint": fingerprint,
            "first_seen": now,
            "last_changed": now,
            "deleted_at": None,
            **_columns(record),
        }
        for record, fingerprint in new
    ]
    stmt = _insert_if_absent(session).returning(Resource.id, Resource.arn)
    ids = {arn: id_ for id_, arn in session.execute(stmt.execution_options(**_BULK), rows)}
    if len(ids) < len(rows):
        skipped = [record.arn for record, _ in new if record.arn not in ids]
        log.warning(
            "integration %s: %d resource(s) already stored by another writer, left as "
            "they are (first: %s)", integration_id, len(skipped), skipped[0],
        )  # fmt: skip
    return ids


def _insert_if_absent(session: Session) -> Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(Resource).on_conflict_do_nothing(
            index_elements=[Resource.integration_id, Resource.arn]
        )
    if dialect == "sqlite":
        return sqlite.insert(Resource).on_conflict_do_nothing(
            index_elements=[Resource.integration_id, Resource.arn]
        )
    raise NotImplementedError(f"no conflict-safe insert for {dialect}")


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


def _diff(old: RowMapping, record: ResourceRecord) -> dict[str, Any]:
    """Field-level: {"field": {"old": ..., "new": ...}} for every tracked field that changed."""
    new = record.comparable()
    changes: dict[str, Any] = {}
    for key in TRACKED:
        old_value = old[key]
        if key == "created_time" and old_value is not None:
            old_value = old_value.isoformat()
        if old_value != new[key]:
            changes[key] = {"old": old_value, "new": new[key]}
    return changes


def _change(
    scope: TenantScope,
    resource_id: int,
    scan_id: str | None,
    kind: str,
    diff: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    return {
        "tenant_id": scope.tenant_id,
        "resource_id": resource_id,
        "scan_id": scan_id,
        "kind": kind,
        "diff": diff,
        "at": at,
    }
