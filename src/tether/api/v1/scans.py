"""Native routes: scan now, scan records with their units, Organization sync."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from tether.api.deps import Scope
from tether.api.errors import ERROR_RESPONSES
from tether.api.runtime import RT
from tether.services import integrations as integration_service
from tether.services.scan_records import is_resumable, recent_scans, scan_with_units
from tether.services.scans import resume_scan, start_scan
from tether.store.models import Scan, ScanUnit

router = APIRouter(prefix="/api/v1/tenants/{tenantId}", tags=["scans"], responses=ERROR_RESPONSES)
IntegrationId = Annotated[
    str, Path(alias="integrationId", max_length=48, pattern=r"^INTG-[0-9a-f-]{36}$")
]
ScanId = Annotated[str, Path(alias="scanId", pattern=r"^[0-9a-f-]{36}$")]


class ScanOut(BaseModel):
    id: str
    integrationId: str
    trigger: str
    requestedBy: str
    status: str
    queuedAt: str
    startedAt: str | None
    finishedAt: str | None
    unitsTotal: int
    unitsDone: int
    apiCalls: int
    throttles: int
    resourcesFound: int
    error: str | None
    # Units by outcome: ok, skipped, denied, throttled, failed (and pending while running).
    unitCounts: dict[str, int] | None = None
    # Failed with units never collected (its worker or broker was lost): POST .../resume.
    resumable: bool | None = None
    units: list[dict[str, Any]] | None = None


def render_scan(scan: Scan, units: list[ScanUnit] | None = None) -> ScanOut:
    return ScanOut(
        id=scan.id,
        integrationId=scan.integration_id,
        trigger=scan.trigger,
        requestedBy=scan.requested_by,
        status=scan.status,
        queuedAt=scan.queued_at.isoformat(),
        startedAt=scan.started_at.isoformat() if scan.started_at else None,
        finishedAt=scan.finished_at.isoformat() if scan.finished_at else None,
        unitsTotal=scan.units_total,
        unitsDone=scan.units_done,
        apiCalls=scan.api_calls,
        throttles=scan.throttles,
        resourcesFound=scan.resources_found,
        error=scan.error,
        unitCounts=None if units is None else dict(Counter(u.status for u in units)),
        resumable=None
        if units is None
        else is_resumable(scan, sum(1 for u in units if u.status == "pending")),
        units=None
        if units is None
        else [
            {
                "account": u.account_id,
                "region": u.region,
                "resourceType": u.resource_type,
                "status": u.status,
                "errorCode": u.error_code,
                "error": u.error,
                "action": u.action,
                "resources": u.resources,
                "apiCalls": u.api_calls,
            }
            for u in units
        ],
    )


@router.post("/integrations/{integrationId}/scans", response_model=ScanOut, summary="Scan now")
def scan_now(rt: RT, scope: Scope, integration_id: IntegrationId) -> ScanOut:
    scope.require_write()
    return render_scan(start_scan(rt.db, scope, integration_id, "manual", scope.actor))


@router.get("/integrations/{integrationId}/scans", response_model=list[ScanOut], summary="Scans")
def scans_of(rt: RT, scope: Scope, integration_id: IntegrationId) -> list[ScanOut]:
    return [render_scan(record.scan) for record in recent_scans(rt.db, scope, integration_id, 100)]


@router.get("/scans/{scanId}", response_model=ScanOut, summary="A scan with its units")
def scan(rt: RT, scope: Scope, scan_id: ScanId) -> ScanOut:
    found, units = scan_with_units(rt.db, scope, scan_id)
    return render_scan(found, units)


@router.post(
    "/scans/{scanId}/resume",
    response_model=ScanOut,
    summary="Resume a failed scan",
    description="A scan that ended failed with units never collected (its worker or the "
    "broker was lost) runs again from where it stopped; recorded units stay. 409 otherwise.",
)
def resume(rt: RT, scope: Scope, scan_id: ScanId) -> ScanOut:
    scope.require_write()
    return render_scan(resume_scan(rt.db, scope, scan_id))


class SyncOut(BaseModel):
    added: list[str]
    failed: list[str]
    statusChanged: list[str]


@router.post(
    "/integrations/{integrationId}/organization/sync",
    response_model=SyncOut,
    summary="Sync linked accounts with the Organization",
)
def sync(rt: RT, scope: Scope, integration_id: IntegrationId) -> SyncOut:
    result = integration_service.sync_organization(rt, scope, integration_id)
    return SyncOut(added=result.added, failed=result.failed, statusChanged=result.status_changed)
