"""Native inventory routes: one resource with its relationships and history, a scan's
changes, and the streamed export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict

from tether.api.deps import DB, Scope
from tether.api.errors import ERROR_RESPONSES
from tether.api.paging import Paged, PageParams, QueryString, paged
from tether.services import resources as service
from tether.services.resources import ExportFormat

router = APIRouter(
    prefix="/api/v1/tenants/{tenantId}", tags=["resources"], responses=ERROR_RESPONSES
)
ResourceId = Annotated[int, Path(alias="resourceId", ge=1, le=2**31 - 1)]
ScanId = Annotated[str, Path(alias="scanId", pattern=r"^[0-9a-f-]{36}$")]


class ChangeOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int
    resourceId: str
    scanId: str | None
    kind: str
    diff: dict[str, Any]
    time: str | None


class ScanChangeOut(ChangeOut):
    arn: str | None = None
    name: str | None = None
    resourceType: str | None = None


class ResourceDetailOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    tenantId: str
    integrationId: str
    arn: str
    resourceType: str
    name: str | None
    accountNumber: str
    region: str
    zone: str | None
    state: str | None
    tags: dict[str, Any]
    attributes: dict[str, Any]
    relationships: list[dict[str, Any]]
    createdTime: str | None
    firstSeen: str | None
    lastChanged: str | None
    deleted: bool
    deletedAt: str | None
    history: list[ChangeOut]
    historyTotal: int


# Before ``/resources/{resourceId}``, which would otherwise take "export" for an id.
@router.get(
    "/resources/export",
    summary="Export the inventory (JSON Lines or CSV, streamed)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}}}},
)
def export(
    db: DB,
    scope: Scope,
    export_format: Annotated[
        ExportFormat, Query(alias="format", description="jsonl or csv")
    ] = ExportFormat.JSONL,
    queryString: QueryString = None,
) -> StreamingResponse:
    """Every matching resource (the search's queryString), fetched in batches as it is sent."""
    where = service.parse_filter(queryString)  # a bad filter is a 400 before the stream starts
    filename = f"tether-resources-{scope.tenant_id}.{export_format.value}"
    return StreamingResponse(
        service.export(db, scope, where, export_format),
        media_type=export_format.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/resources/{resourceId}", response_model=ResourceDetailOut, summary="A resource")
def detail(db: DB, scope: Scope, resource_id: ResourceId) -> ResourceDetailOut:
    return ResourceDetailOut.model_validate(service.detail(db, scope, resource_id))


@router.get(
    "/resources/{resourceId}/history",
    response_model=Paged[ChangeOut],
    summary="A resource's history",
)
def history(db: DB, scope: Scope, resource_id: ResourceId, page: PageParams) -> Paged[ChangeOut]:
    found = service.history(db, scope, resource_id, page)
    return paged(found, ChangeOut.model_validate)


@router.get(
    "/scans/{scanId}/changes",
    response_model=Paged[ScanChangeOut],
    summary="Every change a scan made",
)
def scan_changes(db: DB, scope: Scope, scan_id: ScanId, page: PageParams) -> Paged[ScanChangeOut]:
    found = service.scan_changes(db, scope, scan_id, page)
    return paged(found, ScanChangeOut.model_validate)
