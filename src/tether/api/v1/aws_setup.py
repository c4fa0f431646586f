"""``/api/v1/tenants/{tenantId}/aws/setup``: what a user needs to create the role.

Any caller who reaches the tenant may read these: they hold no secret (an External ID is
an identifier), only the trusted account id and names the caller passes in.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from tether.api.deps import tenant_scope
from tether.api.errors import ERROR_RESPONSES
from tether.aws.artifacts import ARTIFACTS, JSON_MEDIA_TYPE, SCRIPT_MEDIA_TYPE, SetupInputs
from tether.aws.external_id import generate_external_id
from tether.aws.policies import DEFAULT_POLICY_NAME, DEFAULT_ROLE_NAME
from tether.errors import NotFound

router = APIRouter(
    prefix="/api/v1/tenants/{tenantId}/aws/setup",
    tags=["aws setup"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(tenant_scope)],
)

_ARTIFACT_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The artifact: JSON documents, or a bash script for `cli-script`",
        "content": {JSON_MEDIA_TYPE: {}, SCRIPT_MEDIA_TYPE: {"schema": {"type": "string"}}},
    }
}


class ExternalIdOut(BaseModel):
    externalId: str


@router.get("/external-id", response_model=ExternalIdOut, summary="Generate an External ID")
def new_external_id() -> ExternalIdOut:
    """A fresh, unguessable External ID; nothing is stored until an integration uses it."""
    return ExternalIdOut(externalId=generate_external_id())


@router.get(
    "/{artifact}",
    summary="Get a setup artifact",
    response_class=Response,
    responses=_ARTIFACT_CONTENT,
)
def setup_artifact(
    artifact: Annotated[str, Path(description=f"One of: {', '.join(ARTIFACTS)}")],
    trustedAccount: Annotated[
        str | None, Query(description="12-digit id of the account Tether calls from")
    ] = None,
    externalId: Annotated[
        str | None, Query(description="External ID the role demands (see /external-id)")
    ] = None,
    roleName: str = DEFAULT_ROLE_NAME,
    policyName: str = DEFAULT_POLICY_NAME,
    organizationalUnits: Annotated[
        list[str] | None,
        Query(description="`stackset`: OU ids (ou-...) or root id (r-...), comma-separated"),
    ] = None,
    download: Annotated[bool, Query(description="Send as a file attachment")] = False,
) -> Response:
    found = ARTIFACTS.get(artifact)
    if found is None:
        raise NotFound(f"no setup artifact {artifact!r}; one of: {', '.join(ARTIFACTS)}")
    inputs = SetupInputs(
        trustedAccount, externalId, roleName, policyName, tuple(organizationalUnits or ())
    )
    headers = (
        {"Content-Disposition": f'attachment; filename="{found.filename}"'} if download else None
    )
    return Response(found.render(inputs), media_type=found.media_type, headers=headers)
