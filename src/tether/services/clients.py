"""A partner's clients: create, search, list, get."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy.exc import IntegrityError

from tether.domain.tenancy import TenantKind
from tether.errors import Conflict, NotFound
from tether.security.scoping import TenantScope, require_partner
from tether.services.bootstrap import new_tenant_id
from tether.services.query import parse_query_string
from tether.store.db import Database
from tether.store.models import Tenant
from tether.store.paging import Page, PageRequest
from tether.store.repositories.audit import AuditLog
from tether.store.repositories.tenants import ClientFilter, TenantRepository

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1024)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)]

CLIENT_SEARCH_KEYS = ("name", "uniqueId", "country", "status")


class ClientDetails(BaseModel):
    """Business hours, as python-opsramp's ``Clients.mkHours`` builds them."""

    model_config = ConfigDict(extra="forbid")

    businessStartHour: int = Field(ge=0, le=23)
    businessStartMin: int = Field(ge=0, le=59)
    businessEndHour: int = Field(ge=0, le=23)
    businessEndMin: int = Field(ge=0, le=59)
    businessDayStart: int = Field(ge=1, le=7)
    businessDayEnd: int = Field(ge=1, le=7)
    smsVoiceNotification: bool = False


class ClientInput(BaseModel):
    """The body of ``POST /api/v2/tenants/{partnerId}/clients``."""

    model_config = ConfigDict(extra="forbid")

    name: Text
    address: LongText
    timeZone: ShortText
    country: ShortText
    state: ShortText | None = None
    city: ShortText | None = None
    zipcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None
    phoneNumber: Annotated[str, StringConstraints(pattern=r"^[0-9+()\-. ]{3,64}$")] | None = None
    website: Annotated[str, StringConstraints(max_length=512)] | None = None
    clientDetails: ClientDetails | None = None

    @field_validator("timeZone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("country")
    @classmethod
    def _country_present(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("website")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://\S+$", value):
            raise ValueError("must be an http(s) URL")
        return value


def create_client(db: Database, scope: TenantScope, body: ClientInput) -> Tenant:
    require_partner(scope)
    scope.require_write()
    try:
        with db.transaction() as session:
            repo = TenantRepository(session, scope)
            if repo.client_named(body.name) is not None:
                raise Conflict(f"name: a client named {body.name!r} exists", code="duplicate_name")
            client = repo.add_client(
                Tenant(
                    id=new_tenant_id(TenantKind.CLIENT),
                    kind=TenantKind.CLIENT.value,
                    name=body.name,
                    address=body.address,
                    time_zone=body.timeZone,
                    country=body.country,
                    state=body.state,
                    city=body.city,
                    zipcode=body.zipcode,
                    phone_number=body.phoneNumber,
                    website=body.website,
                    client_details=body.clientDetails.model_dump() if body.clientDetails else None,
                )
            )
            AuditLog(session, scope).record(
                "client.create", "tenant", client.id, {"name": body.name}
            )
    except IntegrityError as exc:
        # Two creates with one name racing: the unique constraint decides.
        raise Conflict(f"name: a client named {body.name!r} exists", code="duplicate_name") from exc
    return client


def search_clients(
    db: Database, scope: TenantScope, query_string: str | None, request: PageRequest
) -> Page[Tenant]:
    require_partner(scope)
    terms = parse_query_string(query_string, CLIENT_SEARCH_KEYS)
    where = ClientFilter(
        name_contains=terms.get("name"),
        unique_id=terms.get("uniqueId"),
        country=terms.get("country"),
        status=terms.get("status"),
    )
    with db.transaction() as session:
        return TenantRepository(session, scope).search_clients(where, request)


def minimal_clients(db: Database, scope: TenantScope) -> list[tuple[str, str]]:
    require_partner(scope)
    with db.transaction() as session:
        return list(TenantRepository(session, scope).minimal_clients())


def own_name(db: Database, scope: TenantScope) -> str:
    """The display name of the scope's own tenant (a client user's client)."""
    with db.transaction() as session:
        return TenantRepository(session, scope).own().name


def get_client(db: Database, scope: TenantScope, client_id: str) -> tuple[Tenant, Tenant]:
    """The client and its partner."""
    require_partner(scope)
    with db.transaction() as session:
        repo = TenantRepository(session, scope)
        client = repo.client(client_id)
        if client is None:
            raise NotFound(f"client {client_id} not found", code="client_not_found")
        return client, repo.own()
