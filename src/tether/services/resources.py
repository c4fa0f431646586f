"""The inventory's read side: resource types, search, detail, history, scan changes, export.

Search terms (OpsRamp's ``queryString``, ``key:value`` pairs joined by ``+``):

- ``resourceType``: type codes (``DEVICE``, ``AWS_S3_BUCKET``; see ``resourceTypes/AWS``),
  several joined by ``,``. ``region`` (``us-east-1``, or ``global`` for IAM, Route 53,
  CloudFront, S3) and ``accountNumber`` (12 digits) take ``,``-joined lists too.
- ``name``: the exact name (as OpsRamp matches); ``nameContains``: a case-insensitive part.
- ``arn``, ``zone``, ``installedAppId`` (the integration), ``instanceType``, ``ami``: exact.
  ``state``: exact but case-insensitive (``running``, ``available``).
- ``tag``: ``Key=Value`` (that value), ``Key`` (set, any value); several joined by ``;``
  must all match: ``tag:Env=prod;Team=core``. The key ends at the first ``=``.
- ``provider``: ``AWS`` (the only one). ``includeDeleted``: ``true`` to include resources
  deleted in AWS (kept for the retention period); ``false`` by default.

A partner's scope searches all of its clients' inventories. An unknown key is a 400 naming
``queryString``; a bad value one naming ``queryString.<key>``.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from tether.catalog.common import arn_name
from tether.catalog.registry import RESOURCE_TYPES, resource_type, type_codes
from tether.domain.formats import opsramp_time
from tether.errors import InvalidInput, NotFound
from tether.security.scoping import TenantScope
from tether.services.query import parse_query_string
from tether.store.db import Database
from tether.store.models import Resource, ResourceChange
from tether.store.paging import Page, PageRequest
from tether.store.repositories.resources import ResourceFilter, ResourceRepository, TagFilter

RESOURCE_SEARCH_KEYS = (
    "resourceType",
    "region",
    "accountNumber",
    "name",
    "nameContains",
    "arn",
    "tag",
    "state",
    "zone",
    "installedAppId",
    "provider",
    "includeDeleted",
    "instanceType",
    "ami",
)
PROVIDER = "AWS"
RECENT_HISTORY = 20
EXPORT_BATCH = 500

_REGION = re.compile(r"^(global|[a-z]{2}(-[a-z]+)+-\d{1,2})$")
_ACCOUNT = re.compile(r"^\d{12}$")
_INTEGRATION = re.compile(r"^INTG-[0-9a-f-]{36}$")
_MAX_VALUE = 512


def _bad(key: str, message: str) -> InvalidInput:
    return InvalidInput(f"queryString.{key}", message)


def _listed(key: str, value: str, valid: re.Pattern[str] | None = None) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if not items:
        raise _bad(key, "give at least one value")
    for item in items:
        if valid is not None and not valid.match(item):
            raise _bad(key, f"{item!r} is not valid")
    return items


def _tags(value: str) -> tuple[TagFilter, ...]:
    found: list[TagFilter] = []
    for part in value.split(";"):
        if not part.strip():
            continue
        key, has_value, tag_value = part.partition("=")
        if not key.strip():
            raise _bad("tag", f"{part!r} has no key; use Key=Value or Key")
        found.append(TagFilter(key.strip(), tag_value.strip() if has_value else None))
    if not found:
        raise _bad("tag", "use Key=Value or Key, several joined by ';'")
    return tuple(found)


def _flag(key: str, value: str) -> bool:
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise _bad(key, "use true or false")
    return lowered == "true"


def resource_filter(terms: Mapping[str, str]) -> ResourceFilter:
    """Validate search terms (keys as in ``RESOURCE_SEARCH_KEYS``) into a filter."""
    for key, value in terms.items():
        if len(value) > _MAX_VALUE:
            raise _bad(key, f"longer than {_MAX_VALUE} characters")
    types: tuple[str, ...] = ()
    if "resourceType" in terms:
        types = _listed("resourceType", terms["resourceType"])
        unknown = sorted(set(types) - type_codes())
        if unknown:
            raise _bad(
                "resourceType",
                f"unknown type code {unknown[0]!r}; GET .../resourceTypes/AWS lists them",
            )
    if "provider" in terms and terms["provider"].upper() != PROVIDER:
        raise _bad("provider", f"only {PROVIDER} resources are inventoried")
    integration = terms.get("installedAppId")
    if integration is not None and not _INTEGRATION.match(integration):
        raise _bad("installedAppId", "expected INTG-<uuid>")
    attributes = tuple((key, terms[key]) for key in ("instanceType", "ami") if key in terms)
    return ResourceFilter(
        resource_types=types,
        regions=_listed("region", terms["region"], _REGION) if "region" in terms else (),
        account_ids=(
            _listed("accountNumber", terms["accountNumber"], _ACCOUNT)
            if "accountNumber" in terms
            else ()
        ),
        name=terms.get("name"),
        name_contains=terms.get("nameContains"),
        arn=terms.get("arn"),
        state=terms.get("state"),
        zone=terms.get("zone"),
        integration_id=integration,
        tags=_tags(terms["tag"]) if "tag" in terms else (),
        attributes=attributes,
        include_deleted=_flag("includeDeleted", terms.get("includeDeleted", "false")),
    )


def parse_filter(query_string: str | None) -> ResourceFilter:
    return resource_filter(parse_query_string(query_string, RESOURCE_SEARCH_KEYS))


def resource_types() -> list[dict[str, Any]]:
    """The catalog: every type Tether inventories, in the catalog's order."""
    return [
        {
            "code": spec.type_code,
            "title": spec.title,
            "service": {"name": spec.service.client_name, "title": spec.service.title},
            "isGlobal": spec.service.is_global,
            "scope": "global" if spec.service.is_global else "regional",
            "cloudFormationType": spec.cfn_type,
            "tagSource": spec.tag_source,
            "iamActions": sorted(spec.iam_actions),
        }
        for spec in RESOURCE_TYPES
    ]


def search(
    db: Database, scope: TenantScope, where: ResourceFilter, request: PageRequest
) -> Page[Resource]:
    with db.transaction() as session:
        return ResourceRepository(session, scope).search(where, request)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def opsramp_view(row: Resource) -> dict[str, Any]:
    """A resource as OpsRamp's API shows a cloud resource, plus Tether's own fields."""
    spec = resource_type(row.resource_type)
    properties: dict[str, Any] = {
        **row.attributes,
        "provider": PROVIDER,
        "zone": row.zone,
        "uniqueId": arn_name(row.arn),
        "arn": row.arn,
        "accountNumber": row.account_id,
    }
    return {
        "id": str(row.id),
        "name": row.name,
        "resourceType": row.resource_type,
        "type": row.resource_type,
        "nativeType": spec.title if spec else None,
        "source": "PUBLICCLOUD",
        "status": row.state,
        "identity": row.arn,
        "location": {"name": row.region},
        "properties": properties,
        "tags": [
            {"name": key, "value": "" if value is None else str(value), "tagSource": PROVIDER}
            for key, value in sorted(row.tags.items())
        ],
        "installedApp": {"id": row.integration_id},
        "client": {"uniqueId": row.tenant_id},
        "createdTime": opsramp_time(row.created_time or row.first_seen),
        "updatedTime": opsramp_time(row.last_changed),
        "firstSeenTime": opsramp_time(row.first_seen),
        "deleted": row.deleted_at is not None,
        "deletedTime": opsramp_time(row.deleted_at) if row.deleted_at else None,
    }


def record(row: Resource) -> dict[str, Any]:
    """A resource, every stored field (Tether's native shape; one JSONL export line)."""
    return {
        "id": str(row.id),
        "tenantId": row.tenant_id,
        "integrationId": row.integration_id,
        "arn": row.arn,
        "resourceType": row.resource_type,
        "name": row.name,
        "accountNumber": row.account_id,
        "region": row.region,
        "zone": row.zone,
        "state": row.state,
        "tags": dict(row.tags),
        "attributes": dict(row.attributes),
        "relationships": list(row.relationships),
        "createdTime": _iso(row.created_time),
        "firstSeen": _iso(row.first_seen),
        "lastChanged": _iso(row.last_changed),
        "deleted": row.deleted_at is not None,
        "deletedAt": _iso(row.deleted_at),
    }


def change_view(change: ResourceChange, resource: Resource | None = None) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": change.id,
        "resourceId": str(change.resource_id),
        "scanId": change.scan_id,
        "kind": change.kind,
        "diff": change.diff,
        "time": _iso(change.at),
    }
    if resource is not None:
        shown.update(arn=resource.arn, name=resource.name, resourceType=resource.resource_type)
    return shown


def _prefer_live(found: dict[str, Resource], key: str, row: Resource) -> None:
    """Two integrations of one account both hold its resources: show the live one."""
    if key not in found or found[key].deleted_at is not None:
        found[key] = row


def _summary(target: Resource) -> dict[str, Any]:
    return {
        "id": str(target.id),
        "name": target.name,
        "resourceType": target.resource_type,
        "deleted": target.deleted_at is not None,
    }


def _resolved(repo: ResourceRepository, row: Resource) -> list[dict[str, Any]]:
    """Each relationship (``{"type", "arn"}``) with the inventory's resource it points at,
    when this tenant's inventory holds it."""
    relationships = [rel for rel in row.relationships if isinstance(rel, dict)]
    arns = {rel["arn"] for rel in relationships if isinstance(rel.get("arn"), str)}
    targets: dict[str, Resource] = {}
    for found in repo.with_arns(row.tenant_id, arns):
        _prefer_live(targets, found.arn, found)
    return [
        {**rel, "resource": _summary(targets[rel["arn"]]) if rel.get("arn") in targets else None}
        for rel in relationships
    ]


def _referenced_by(repo: ResourceRepository, row: Resource) -> list[dict[str, Any]]:
    """The resources whose relationships point at this one (a load balancer's target
    groups, a subnet's instances): the other direction of the neighbourhood."""
    return [
        {"type": source.resource_type, "arn": source.arn, "resource": _summary(source)}
        for source in repo.referencing(row.tenant_id, row.arn, REFERENCED_BY_LIMIT)
    ]


REFERENCED_BY_LIMIT = 200


def detail(db: Database, scope: TenantScope, resource_id: int) -> dict[str, Any]:
    """One resource with its relationships resolved and its recent history."""
    with db.transaction() as session:
        repo = ResourceRepository(session, scope)
        row = repo.get(resource_id)
        relationships = _resolved(repo, row)
        referenced_by = _referenced_by(repo, row)
        recent = repo.recent_history(row.id, RECENT_HISTORY)
        total = repo.history(row.id, PageRequest(page_size=1)).total
    return {
        **record(row),
        "relationships": relationships,
        "referencedBy": referenced_by,
        "history": [change_view(change) for change in recent],
        "historyTotal": total,
    }


def history(
    db: Database, scope: TenantScope, resource_id: int, request: PageRequest
) -> Page[dict[str, Any]]:
    with db.transaction() as session:
        repo = ResourceRepository(session, scope)
        repo.get(resource_id)
        page = repo.history(resource_id, request)
    return Page([change_view(change) for change in page.items], page.total, page.request)


def scan_changes(
    db: Database, scope: TenantScope, scan_id: str, request: PageRequest
) -> Page[dict[str, Any]]:
    """Every change a scan made, each with its resource's ARN, name and type."""
    with db.transaction() as session:
        repo = ResourceRepository(session, scope)
        if repo.scan(scan_id) is None:
            raise NotFound(f"scan {scan_id} not found", code="scan_not_found")
        page = repo.scan_changes(scan_id, request)
        resources = repo.with_ids({change.resource_id for change in page.items})
    items = [change_view(change, resources.get(change.resource_id)) for change in page.items]
    return Page(items, page.total, page.request)


class ExportFormat(enum.StrEnum):
    JSONL = "jsonl"
    CSV = "csv"

    @property
    def media_type(self) -> str:
        return "application/x-ndjson" if self is ExportFormat.JSONL else "text/csv; charset=utf-8"


CSV_COLUMNS = (
    "id",
    "arn",
    "type",
    "name",
    "account",
    "region",
    "zone",
    "state",
    "tags",
    "integration",
    "first_seen",
    "last_changed",
    "deleted_at",
    "tenant",
)
# A spreadsheet runs a cell starting with one of these as a formula (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """Text for one CSV cell: ``'`` before a formula's first character, so it stays text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _escape(text: str, special: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in special:
        text = text.replace(char, "\\" + char)
    return text


def tags_cell(tags: Mapping[str, Any]) -> str:
    """``k=v;k=v`` by key; ``\\`` escapes ``;`` and ``\\`` (and ``=`` in keys)."""
    return ";".join(
        f"{_escape(str(key), ';=')}={_escape(str(value), ';')}"
        for key, value in sorted(tags.items())
    )


def _csv_row(row: Resource) -> list[str]:
    values = (
        row.id,
        row.arn,
        row.resource_type,
        row.name,
        row.account_id,
        row.region,
        row.zone,
        row.state,
        tags_cell(row.tags),
        row.integration_id,
        _iso(row.first_seen),
        _iso(row.last_changed),
        _iso(row.deleted_at),
        row.tenant_id,
    )
    return [csv_cell(value) for value in values]


def _batches(db: Database, scope: TenantScope, where: ResourceFilter) -> Iterator[list[Resource]]:
    """The matching resources by id, ``EXPORT_BATCH`` at a time, one short transaction
    each: a large inventory is never held in memory, nor a transaction open between
    batches."""
    after = 0
    while True:
        with db.transaction() as session:
            rows = list(ResourceRepository(session, scope).batch_after(where, after, EXPORT_BATCH))
        if not rows:
            return
        yield rows
        after = rows[-1].id


def export(
    db: Database, scope: TenantScope, where: ResourceFilter, fmt: ExportFormat
) -> Iterator[str]:
    """The inventory as text chunks: JSON Lines (one ``record`` per line) or CSV
    (``CSV_COLUMNS``, formula-safe cells)."""
    if fmt is ExportFormat.JSONL:
        for rows in _batches(db, scope, where):
            yield "".join(json.dumps(record(row), sort_keys=True) + "\n" for row in rows)
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for rows in _batches(db, scope, where):
        writer.writerows(_csv_row(row) for row in rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()
