"""The permission matrix of an integration: catalog services by its regions, allowed or denied.

Two sources fill it. Install-time validation made one harmless read per service, in one
region (global services in us-east-1); the last scan tried every selected resource type in
every region. A cell shows the scan's outcome where the scan reached it, else the
validation's, else that nothing has checked it yet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tether.catalog import registry
from tether.discovery.units import GLOBAL
from tether.security.scoping import TenantScope
from tether.store.db import Database
from tether.store.models import Integration, ScanUnit

# Worst first: a cell shows the worst outcome among the units it covers.
_UNIT_STATES = {
    "denied": "denied",
    "failed": "error",
    "throttled": "throttled",
    "ok": "allowed",
    "skipped": "not offered",
}
_RANK = ("denied", "error", "throttled", "allowed", "not offered")
_PROBE_STATES = {"passed": "allowed", "failed": "denied", "warning": "error"}


@dataclass(frozen=True, slots=True)
class Cell:
    state: str  # allowed | denied | error | throttled | not offered | unchecked | n/a
    detail: str = ""
    source: str = ""  # "scan" | "validation" | ""


@dataclass(frozen=True, slots=True)
class MatrixRow:
    title: str
    action: str  # the probe's IAM action
    cells: tuple[Cell, ...]

    @property
    def denied(self) -> bool:
        return any(cell.state == "denied" for cell in self.cells)


@dataclass(frozen=True, slots=True)
class PermissionMatrix:
    columns: tuple[str, ...]  # the integration's regions, then "global"
    rows: tuple[MatrixRow, ...]
    probe_region: str | None
    scan_id: str | None

    @property
    def denied_count(self) -> int:
        return sum(1 for row in self.rows if row.denied)


def permission_matrix(
    db: Database, scope: TenantScope, integration: Integration
) -> PermissionMatrix:
    probes = {p["service"]: p for p in (integration.validation or {}).get("permissions", [])}
    regional = {service.client_name for service in registry.services() if not service.is_global}
    probe_region = next((p["region"] for name, p in probes.items() if name in regional), None)
    scanned = _scan_cells(db, scope, integration.last_scan_id)
    columns = (*integration.regions, GLOBAL)
    rows = []
    for service in sorted(registry.services(), key=lambda s: s.title.lower()):
        cells = []
        for column in columns:
            if service.is_global != (column == GLOBAL):
                cells.append(Cell("n/a"))
                continue
            cell = scanned.get((service.client_name, column))
            probe = probes.get(service.client_name)
            if cell is None and probe is not None and _probe_covers(probe, column):
                cell = Cell(
                    _PROBE_STATES.get(probe["outcome"], "error"), probe["reason"], "validation"
                )
            cells.append(cell or Cell("unchecked"))
        rows.append(MatrixRow(service.title, service.probe_action, tuple(cells)))
    return PermissionMatrix(columns, tuple(rows), probe_region, integration.last_scan_id)


def _probe_covers(probe: dict[str, Any], column: str) -> bool:
    return bool(probe.get("region") == column or column == GLOBAL)


def _scan_cells(
    db: Database, scope: TenantScope, scan_id: str | None
) -> dict[tuple[str, str], Cell]:
    if scan_id is None:
        return {}
    with db.transaction() as session:
        units = session.scalars(
            select(ScanUnit).where(
                ScanUnit.tenant_id == scope.tenant_id,
                ScanUnit.scan_id == scan_id,
                ScanUnit.status != "pending",
            )
        ).all()
    found: dict[tuple[str, str], list[Cell]] = defaultdict(list)
    for unit in units:
        spec = registry.resource_type(unit.resource_type)
        if spec is None:
            continue
        state = _UNIT_STATES.get(unit.status, "error")
        detail = unit.resource_type
        if unit.error:
            detail += f": {unit.action + ' — ' if unit.action else ''}{unit.error}"
        found[(spec.service.client_name, unit.region)].append(Cell(state, detail, "scan"))
    return {key: min(cells, key=lambda c: _RANK.index(c.state)) for key, cells in found.items()}
