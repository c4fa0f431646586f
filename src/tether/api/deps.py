"""FastAPI dependencies: the database, the caller and the tenant scope of a request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tether.config import Settings
from tether.domain.tenancy import Principal
from tether.security.scoping import TenantScope
from tether.services.access import scope_for
from tether.services.auth import authenticate_bearer
from tether.store.db import Database

_bearer = HTTPBearer(auto_error=False, description="Token from /tenancy/auth/oauth/token")


def get_db(request: Request) -> Database:
    db = request.app.state.db
    assert isinstance(db, Database)
    return db


def get_settings(request: Request) -> Settings:
    settings = request.app.state.settings
    assert isinstance(settings, Settings)
    return settings


DB = Annotated[Database, Depends(get_db)]
AppSettings = Annotated[Settings, Depends(get_settings)]


def current_principal(
    db: DB, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    header = f"{credentials.scheme} {credentials.credentials}" if credentials else None
    return authenticate_bearer(db, header)


Caller = Annotated[Principal, Depends(current_principal)]

TenantId = Annotated[
    str,
    Path(
        alias="tenantId",
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="A partner (msp_...) or client (client_...) id",
    ),
]


def tenant_scope(db: DB, principal: Caller, tenant_id: TenantId) -> TenantScope:
    return scope_for(db, principal, tenant_id)


Scope = Annotated[TenantScope, Depends(tenant_scope)]
