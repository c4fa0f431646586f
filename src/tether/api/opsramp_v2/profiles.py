"""``/api/v2/tenants/{tenantId}/policies/discovery``: OpsRamp's discovery profiles."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel

from tether.api.deps import DB, Scope
from tether.api.errors import ERROR_RESPONSES, error_response, refused_caller
from tether.api.paging import Paged, PageParams, QueryString, paged
from tether.domain.profiles import ProfileDocument, ProfileInput, problems
from tether.services import profiles
from tether.services.profiles import ScanStarter, default_scan_starter


class ProfileRoute(APIRoute):
    """Names a bad field by its path in the array, ``[0].policy.rules[1].value``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = list(exc.errors())
                if any(error.get("type") == "json_invalid" for error in errors):
                    raise  # the application's handler answers malformed JSON
                refused = await refused_caller(request, errors)
                if refused is not None:
                    return refused
                found = problems(errors)
                message = "; ".join(f"{field}: {text}" for field, text in found)
                fields = sorted({field for field, _text in found})
                return error_response(400, "invalid_request", message, fields)

        return handle


router = APIRouter(
    prefix="/api/v2/tenants/{tenantId}/policies/discovery",
    tags=["discovery profiles"],
    responses=ERROR_RESPONSES,
    route_class=ProfileRoute,
)

Profiles = Annotated[
    list[ProfileInput],
    Body(min_length=1, max_length=100, description="Profiles; those with an id are updated"),
]
ProfileId = Annotated[int, Path(alias="id", ge=1, le=2**31 - 1)]


def scan_starter() -> ScanStarter:
    """Where a rescan goes; tests override this dependency."""
    return default_scan_starter()


Starter = Annotated[ScanStarter, Depends(scan_starter)]


class RescanOut(BaseModel):
    success: bool
    message: str
    profileId: int
    installedIntegrationId: str
    scanId: str
    scanStatus: str


class DeletedOut(BaseModel):
    success: bool
    id: int


@router.post("", response_model=list[ProfileDocument], summary="Create or update profiles")
def create_profiles(db: DB, scope: Scope, body: Profiles) -> list[ProfileDocument]:
    return [profiles.document(row) for row in profiles.save_profiles(db, scope, body)]


@router.put("", response_model=list[ProfileDocument], summary="Update profiles (ids required)")
def update_profiles(db: DB, scope: Scope, body: Profiles) -> list[ProfileDocument]:
    saved = profiles.save_profiles(db, scope, body, require_ids=True)
    return [profiles.document(row) for row in saved]


@router.get("", response_model=list[ProfileDocument], summary="List every profile")
def list_profiles(db: DB, scope: Scope) -> list[ProfileDocument]:
    return [profiles.document(row) for row in profiles.list_profiles(db, scope)]


@router.get("/search", response_model=Paged[ProfileDocument], summary="Search profiles")
def search_profiles(
    db: DB,
    scope: Scope,
    page: PageParams,
    queryString: QueryString = None,
    name: Annotated[
        str | None, Query(max_length=255, description="Name contains (python-opsramp's form)")
    ] = None,
) -> Paged[ProfileDocument]:
    found = profiles.search_profiles(db, scope, queryString, page, name=name)
    return paged(found, profiles.document)


@router.get(
    "/action/scan/{id}", response_model=RescanOut, summary="Scan the profile's integration now"
)
def rescan(db: DB, scope: Scope, profile_id: ProfileId, start_scan: Starter) -> RescanOut:
    result = profiles.rescan(db, scope, profile_id, start_scan)
    return RescanOut(
        success=True,
        message="scan initiated",
        profileId=result.profile.id,
        installedIntegrationId=result.profile.integration_id,
        scanId=result.scan.id,
        scanStatus=result.scan.status,
    )


@router.get("/{id}", response_model=ProfileDocument, summary="Get a profile")
def get_profile(db: DB, scope: Scope, profile_id: ProfileId) -> ProfileDocument:
    return profiles.document(profiles.get_profile(db, scope, profile_id))


@router.delete("/{id}", response_model=DeletedOut, summary="Delete a profile")
def delete_profile(db: DB, scope: Scope, profile_id: ProfileId) -> DeletedOut:
    deleted = profiles.delete_profile(db, scope, profile_id)
    return DeletedOut(success=True, id=deleted.id)
