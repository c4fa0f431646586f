"""``/api/v2/tenants/{tenantId}/integrations``: the catalog, install, installed integrations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel, ConfigDict, StringConstraints

from tether.api.deps import Scope
from tether.api.errors import ERROR_RESPONSES
from tether.api.paging import Paged, PageParams, QueryString, paged
from tether.api.runtime import RT
from tether.security.scoping import TenantScope
from tether.services import integration_views as views
from tether.services import integrations as service
from tether.services.integrations import InstallRequest, UpdateRequest
from tether.services.runtime import Runtime
from tether.store.models import Integration
from tether.store.paging import Page

router = APIRouter(
    prefix="/api/v2/tenants/{tenantId}/integrations",
    tags=["integrations"],
    responses=ERROR_RESPONSES,
)
IntegrationId = Annotated[
    str, Path(alias="integrationId", max_length=48, pattern=r"^INTG-[0-9a-f-]{36}$")
]


class IntegrationOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    integration: dict[str, str]
    displayName: str
    credential: dict[str, Any]
    installedBy: str
    installedTime: str
    status: str


def render(
    rt: Runtime, scope: TenantScope, integration: Integration, full: bool = False
) -> IntegrationOut:
    return IntegrationOut(**views.view(rt, scope, integration, full))


@router.get("/available/search", response_model=Paged[dict[str, Any]], summary="Integration types")
def available(
    scope: Scope, page: PageParams, queryString: QueryString = None
) -> Paged[dict[str, Any]]:
    del scope  # the catalog is the same for every tenant; the scope checks the caller
    found = service.available(queryString)
    return paged(Page(items=found, total=len(found), request=page), lambda entry: entry)


@router.post("/install/AWS", response_model=IntegrationOut, summary="Install an AWS integration")
def install(rt: RT, scope: Scope, body: InstallRequest) -> IntegrationOut:
    installed = service.install(rt, scope, body)
    out = render(rt, scope, installed.integration, full=True)
    out.validation = installed.report.to_dict()  # type: ignore[attr-defined]
    return out


@router.get("/installed/search", response_model=Paged[IntegrationOut], summary="Search installed")
def search(
    rt: RT, scope: Scope, page: PageParams, queryString: QueryString = None
) -> Paged[IntegrationOut]:
    return paged(service.search(rt, scope, queryString, page), lambda i: render(rt, scope, i))


@router.get("/installed/{integrationId}", response_model=IntegrationOut, summary="Get one")
def get(rt: RT, scope: Scope, integration_id: IntegrationId) -> IntegrationOut:
    return render(rt, scope, service.get(rt, scope, integration_id), full=True)


@router.post("/installed/{integrationId}", response_model=IntegrationOut, summary="Update")
def update(
    rt: RT, scope: Scope, integration_id: IntegrationId, body: UpdateRequest
) -> IntegrationOut:
    return render(rt, scope, service.update(rt, scope, integration_id, body), full=True)


@router.post("/installed/{integrationId}/enable", response_model=IntegrationOut, summary="Enable")
def enable(rt: RT, scope: Scope, integration_id: IntegrationId) -> IntegrationOut:
    return render(rt, scope, service.set_enabled(rt, scope, integration_id, True))


@router.post("/installed/{integrationId}/disable", response_model=IntegrationOut, summary="Disable")
def disable(rt: RT, scope: Scope, integration_id: IntegrationId) -> IntegrationOut:
    return render(rt, scope, service.set_enabled(rt, scope, integration_id, False))


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1024)]


class UninstallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uninstallReason: Reason
    children: service.ChildrenChoice | None = None


@router.delete("/installed/{integrationId}", summary="Uninstall (uninstallReason required)")
def uninstall(
    rt: RT, scope: Scope, integration_id: IntegrationId, body: Annotated[UninstallRequest, Body()]
) -> dict[str, str]:
    service.uninstall(rt, scope, integration_id, body.uninstallReason, body.children)
    return {"id": integration_id, "status": "uninstalled"}
