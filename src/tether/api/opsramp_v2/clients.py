"""``/api/v2/tenants/{partnerId}/clients``: create, search, minimal, get."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from tether.api.deps import DB, Scope
from tether.api.errors import ERROR_RESPONSES
from tether.api.paging import Paged, PageParams, QueryString, paged
from tether.domain.formats import opsramp_time
from tether.services import clients
from tether.services.clients import ClientDetails, ClientInput
from tether.store.models import Tenant

router = APIRouter(
    prefix="/api/v2/tenants/{tenantId}/clients", tags=["clients"], responses=ERROR_RESPONSES
)


class ClientOut(BaseModel):
    uniqueId: str
    name: str
    address: str | None
    timeZone: str | None
    country: str | None
    state: str | None = None
    city: str | None = None
    zipcode: str | None = None
    phoneNumber: str | None = None
    website: str | None = None
    clientDetails: ClientDetails | None = None
    status: str
    partnerId: str
    createdTime: str
    updatedTime: str


class ClientMinimal(BaseModel):
    uniqueId: str
    name: str


def render_client(client: Tenant) -> ClientOut:
    assert client.parent_id is not None
    details: dict[str, Any] | None = client.client_details
    return ClientOut(
        uniqueId=client.id,
        name=client.name,
        address=client.address,
        timeZone=client.time_zone,
        country=client.country,
        state=client.state,
        city=client.city,
        zipcode=client.zipcode,
        phoneNumber=client.phone_number,
        website=client.website,
        clientDetails=ClientDetails.model_validate(details) if details else None,
        status=client.status,
        partnerId=client.parent_id,
        createdTime=opsramp_time(client.created_at),
        updatedTime=opsramp_time(client.updated_at),
    )


@router.post("", response_model=ClientOut, summary="Create a client")
def create_client(db: DB, scope: Scope, body: ClientInput) -> ClientOut:
    return render_client(clients.create_client(db, scope, body))


@router.get("/search", response_model=Paged[ClientOut], summary="Search clients")
def search_clients(
    db: DB, scope: Scope, page: PageParams, queryString: QueryString = None
) -> Paged[ClientOut]:
    return paged(clients.search_clients(db, scope, queryString, page), render_client)


@router.get("/minimal", response_model=list[ClientMinimal], summary="List clients, ids and names")
def minimal_clients(db: DB, scope: Scope) -> list[ClientMinimal]:
    return [ClientMinimal(uniqueId=i, name=n) for i, n in clients.minimal_clients(db, scope)]


@router.get("/{clientId}", response_model=ClientOut, summary="Get a client")
def get_client(
    db: DB,
    scope: Scope,
    client_id: Annotated[str, Path(alias="clientId", max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")],
) -> ClientOut:
    client, _partner = clients.get_client(db, scope, client_id)
    return render_client(client)
