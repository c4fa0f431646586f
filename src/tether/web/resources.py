"""The console's inventory: the resource list (filters, trend charts, export), a
resource's page (facts, tags, attributes, relationships, neighbourhood, history) and the
changes one scan made."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from tether.api.deps import DB
from tether.catalog.registry import RESOURCE_TYPES
from tether.errors import InvalidInput, NotFound
from tether.services import resources as service
from tether.services.inventory_stats import inventory_trends
from tether.services.resources import ExportFormat
from tether.store.models import Resource
from tether.store.paging import Page, PageRequest
from tether.web.charts import Neighbour, area_chart, neighbourhood, type_title
from tether.web.resource_views import (
    PERIODS,
    SORTS,
    Filters,
    compact,
    diff_rows,
    filter_error,
    state_class,
    tag_pairs,
)
from tether.web.routes import client_choices
from tether.web.session import CurrentUser, WebUser
from tether.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 20
TAGS_IN_LIST = 3
_MAX_PAGE = 1_000_000
_MAX_ID = 2**31 - 1


def _number(text: str | None, default: int = 1) -> int:
    """A page number from the query: anything odd is the first page."""
    if text and text.isdigit():
        return max(1, min(int(text), _MAX_PAGE))
    return default


def _resource_id(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= _MAX_ID:
        raise NotFound(f"resource {text} not found", code="resource_not_found")
    return int(text)


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def resource_href(tenant_id: str, resource_id: int | str) -> str:
    return f"/resources/{tenant_id}/{resource_id}"


def _type_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The type select's options: (service title, [(code, title)]), in catalog order."""
    return [
        (title, [(spec.type_code, spec.title) for spec in specs])
        for title, specs in groupby(RESOURCE_TYPES, key=lambda spec: spec.service.title)
    ]


def _viewing(db: DB, user: WebUser, client: str) -> dict[str, Any]:
    """The layout's client picker: a client user always views its own client."""
    shown = client if user.is_partner else user.home_tenant
    return {"section": "resources", "client_id": shown, "clients": client_choices(db, user)}


def _row(resource: Resource, client_names: dict[str, str]) -> dict[str, Any]:
    tags, more = tag_pairs(resource.tags, TAGS_IN_LIST)
    deleted = resource.deleted_at is not None
    return {
        "name": resource.name or resource.arn,
        "href": resource_href(resource.tenant_id, resource.id),
        "type": type_title(resource.resource_type),
        "type_code": resource.resource_type,
        "region": resource.region,
        "account": resource.account_id,
        "zone": resource.zone,
        "state": "deleted" if deleted else resource.state,
        "state_class": state_class(resource.state, deleted),
        "tags": tags,
        "more_tags": more,
        "changed": resource.last_changed,
        "client": client_names.get(resource.tenant_id, resource.tenant_id),
    }


@router.get("/resources", response_class=HTMLResponse)
def resource_list(request: Request, db: DB, user: CurrentUser) -> HTMLResponse:
    filters = Filters.from_query(request.query_params)
    scope = user.scope(db, filters.client or None)
    context = _viewing(db, user, filters.client)
    names = dict(context["clients"])
    error: str | None = None
    where = None
    try:
        where = service.resource_filter(filters.terms())
    except InvalidInput as problem:
        error = filter_error(problem)
    found: Page[Resource] | None = None
    if where is not None:
        request_page = PageRequest(
            page_no=_number(request.query_params.get("page")),
            page_size=PAGE_SIZE,
            sort_name=SORTS[filters.sorted_by],
            descending=filters.desc,
        )
        found = service.search(db, scope, where, request_page)
    trends = inventory_trends(db, scope, where, days=filters.period)
    context.update(
        filters=filters,
        error=error,
        page=found,
        rows=[_row(item, names) for item in found.items] if found else [],
        all_clients=user.is_partner and scope.tenant_id == user.home_tenant,
        type_groups=_type_groups(),
        regions=trends.regions,
        accounts=trends.accounts,
        type_chart=area_chart(trends.by_type, "Resources by type", height=220),
        region_chart=area_chart(trends.by_region, "Resources by region", width=480, height=205),
        periods=PERIODS,
        chart_empty=trends.by_type.empty,
    )
    return render(request, "resources/list.html", user, context, 400 if error else 200)


@router.get("/resources/export")
def export(request: Request, db: DB, user: CurrentUser) -> StreamingResponse:
    """The list's resources (same filters, every page) as JSON Lines or CSV."""
    filters = Filters.from_query(request.query_params)
    scope = user.scope(db, filters.client or None)
    chosen = request.query_params.get("format", ExportFormat.JSONL.value)
    if chosen not in {member.value for member in ExportFormat}:
        raise InvalidInput("format", "use jsonl or csv")
    fmt = ExportFormat(chosen)
    try:
        where = service.resource_filter(filters.terms())
    except InvalidInput as problem:
        raise InvalidInput("filter", filter_error(problem)) from None
    filename = f"tether-resources-{scope.tenant_id}.{fmt.value}"
    return StreamingResponse(
        service.export(db, scope, where, fmt),
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _neighbour(tenant: str, link: dict[str, Any], outgoing: bool) -> Neighbour:
    """A relationship (or a "referenced by" entry) as the picture draws it."""
    target = link.get("resource") or {}
    return Neighbour(
        type_code=str(link.get("type") or target.get("resourceType") or ""),
        arn=str(link.get("arn") or ""),
        name=target.get("name"),
        href=resource_href(tenant, target["id"]) if target else None,
        deleted=bool(target.get("deleted")),
        outgoing=outgoing,
    )


def _neighbours(found: dict[str, Any]) -> list[Neighbour]:
    tenant = found["tenantId"]
    return [_neighbour(tenant, rel, True) for rel in found["relationships"]] + [
        _neighbour(tenant, ref, False) for ref in found["referencedBy"]
    ]


def _titled(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**link, "type_title": type_title(str(link.get("type") or ""))} for link in links]


def _change(change: dict[str, Any], tenant: str) -> dict[str, Any]:
    scan = change.get("scanId")
    return {
        **change,
        "at": _moment(change.get("time")),
        "rows": diff_rows(change.get("diff") or {}),
        "scan_href": f"/resources/{tenant}/scans/{scan}" if scan else None,
    }


@router.get("/resources/{client}/{resource_id}", response_class=HTMLResponse)
def resource_page(
    request: Request, db: DB, user: CurrentUser, client: str, resource_id: str
) -> HTMLResponse:
    scope = user.scope(db, client)
    number = _resource_id(resource_id)
    found = service.detail(db, scope, number)
    changes = service.history(
        db,
        scope,
        number,
        PageRequest(
            page_no=_number(request.query_params.get("history")),
            page_size=HISTORY_PAGE_SIZE,
            sort_name="time",
            descending=True,
        ),
    )
    tenant = found["tenantId"]
    name = found["name"] or found["arn"]
    context = _viewing(db, user, tenant)
    context.update(
        picker_action="/resources",
        resource=found,
        name=name,
        client_name=dict(context["clients"]).get(tenant, tenant),
        type=type_title(found["resourceType"]),
        state_class=state_class(found["state"], found["deleted"]),
        times={
            key: _moment(found[key])
            for key in ("createdTime", "firstSeen", "lastChanged", "deletedAt")
        },
        tags=sorted(found["tags"].items()),
        attributes=[(key, compact(value)) for key, value in sorted(found["attributes"].items())],
        relationships=_titled(found["relationships"]),
        referenced_by=_titled(found["referencedBy"]),
        picture=neighbourhood(found["resourceType"], name, found["arn"], _neighbours(found)),
        changes=changes,
        change_rows=[_change(change, tenant) for change in changes.items],
        list_href=f"/resources?client={tenant}",
        href=resource_href(tenant, found["id"]),
    )
    return render(request, "resources/detail.html", user, context)


@router.get("/resources/{client}/scans/{scan_id}", response_class=HTMLResponse)
def scan_page(
    request: Request, db: DB, user: CurrentUser, client: str, scan_id: str
) -> HTMLResponse:
    """Every change one scan made to the inventory, each linking to its resource."""
    scope = user.scope(db, client)
    page = service.scan_changes(
        db,
        scope,
        scan_id,
        PageRequest(page_no=_number(request.query_params.get("page")), page_size=PAGE_SIZE),
    )
    context = _viewing(db, user, scope.tenant_id)
    context.update(
        picker_action="/resources",
        scan_id=scan_id,
        client_name=dict(context["clients"]).get(scope.tenant_id, scope.tenant_id),
        changes=page,
        change_rows=[
            {
                **_change(change, scope.tenant_id),
                "href": resource_href(scope.tenant_id, change["resourceId"]),
                "type": type_title(change.get("resourceType") or ""),
            }
            for change in page.items
        ],
        list_href=f"/resources?client={scope.tenant_id}",
    )
    return render(request, "resources/scan.html", user, context)
