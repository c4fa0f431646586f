"""``/api/v2/tenants/{tenantId}/resources/search`` and ``.../resourceTypes/AWS``: the
inventory as OpsRamp's API shows cloud resources."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from tether.api.deps import DB, Scope
from tether.api.errors import ERROR_RESPONSES
from tether.api.paging import (
    DocumentResponse,
    Paged,
    PageParams,
    QueryString,
    paged_document,
)
from tether.services import resources as service

router = APIRouter(
    prefix="/api/v2/tenants/{tenantId}", tags=["resources"], responses=ERROR_RESPONSES
)


class ServiceOut(BaseModel):
    name: str
    title: str


class ResourceTypeOut(BaseModel):
    code: str
    title: str
    service: ServiceOut
    isGlobal: bool
    scope: str
    cloudFormationType: str
    tagSource: str
    iamActions: list[str]


class TagOut(BaseModel):
    name: str
    value: str
    tagSource: str


class ResourceOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    name: str | None
    resourceType: str
    type: str
    nativeType: str | None
    source: str
    status: str | None
    identity: str
    location: dict[str, str]
    properties: dict[str, Any]
    tags: list[TagOut]
    installedApp: dict[str, str]
    client: dict[str, str]
    createdTime: str
    updatedTime: str
    firstSeenTime: str
    deleted: bool
    deletedTime: str | None


@router.get(
    "/resourceTypes/AWS", response_model=list[ResourceTypeOut], summary="AWS resource types"
)
def resource_types(scope: Scope) -> list[ResourceTypeOut]:
    del scope  # the catalog is the same for every tenant; the scope checks the caller
    return [ResourceTypeOut.model_validate(entry) for entry in service.resource_types()]


SEARCH_HELP = (
    "key:value pairs joined by '+': resourceType, region, accountNumber (lists joined by "
    "','), name (exact), nameContains, arn, tag (Key=Value or Key, several joined by ';'), "
    "state, zone, installedAppId, instanceType, ami, provider (AWS), includeDeleted"
)


@router.get(
    "/resources/search",
    response_model=Paged[ResourceOut],
    summary="Search the inventory",
    description=SEARCH_HELP,
)
def search(
    db: DB, scope: Scope, page: PageParams, queryString: QueryString = None
) -> DocumentResponse:
    where = service.parse_filter(queryString)
    found = service.search(db, scope, where, page)
    return DocumentResponse(paged_document(found, service.opsramp_view))
