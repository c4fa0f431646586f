"""The route table of the app, classified; the callers of the matrix; what each call of
each route must answer.

A route the rules below cannot classify, or whose path parameter or body cannot be filled,
is reported by ``route_table`` and fails the matrix's coverage test: nothing is skipped
silently.
"""

from __future__ import annotations

import enum
import re
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, params
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount, Route

from tether.api.app import create_app
from tether.config import Settings
from tether.security.secretbox import MasterKey, SecretBox
from tether.services.scans import stop_using
from tether.store.db import Database

# --- the route table ---------------------------------------------------------------------


class Kind(enum.StrEnum):
    PUBLIC = "public"  # no token needed; a token changes nothing
    IDENTITY = "identity"  # any valid token; answers about the caller only
    PARTNER = "partner"  # {tenantId} is a partner tenant
    CLIENT = "client"  # {tenantId} is a client tenant
    CONSOLE = "console"  # HTML pages behind the session cookie


PUBLIC_PATHS = frozenset(
    {
        "/tenancy/auth/oauth/token",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/login",  # the console's login form
        "/",  # redirects to the console's home page, signed in or not
    }
)
PUBLIC_MOUNTS = frozenset({"/static/docs", "/assets"})
# Any valid token; they act on the caller's own identity only.
IDENTITY_PATHS = frozenset({"/api/v1/me", "/tenancy/auth/oauth/revoke"})
PARTNER_PREFIXES = ("/api/v2/tenants/{tenantId}/clients",)
TENANT_PREFIXES = ("/api/v1/tenants/{tenantId}/", "/api/v2/tenants/{tenantId}/")
CONSOLE_MODULE = "tether.web."
# Console routes that name no tenant (any signed-in user; a partner's only for clients).
CONSOLE_UNTENANTED = frozenset(
    {
        "/setup/integrations/install/aws/external-id",
        # Rendered from the query alone (no tenant's data), for any signed-in user.
        "/setup/integrations/install/aws/setup/{artifact}",
        "/setup/clients",
        "/logout",
    }
)
CONSOLE_PARAMS = frozenset({"client_id", "client", "integration_id", "scan_id", "resource_id"})
# Console GET pages that only a writer may open.
CONSOLE_GET_WRITES = frozenset(
    {"/setup/integrations/installed/{client_id}/{integration_id}/uninstall"}
)
# GET routes that change state (a viewer may not call them).
GET_WRITES = frozenset({"/api/v2/tenants/{tenantId}/policies/discovery/action/scan/{id}"})

# Path parameters that name an object of the target tenant (the IDOR cases swap the tenant
# for the caller's own and keep these).
OBJECT_PARAMS = frozenset({"integrationId", "scanId", "resourceId", "id", "clientId"})
KNOWN_PARAMS = OBJECT_PARAMS | {"tenantId", "artifact"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    kind: Kind
    params: tuple[str, ...] = ()
    has_body: bool = False
    form_body: bool = False  # the body is a form, not JSON

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def writes(self) -> bool:
        return self.method not in ("GET", "HEAD") or self.path in GET_WRITES

    @property
    def object_params(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p in OBJECT_PARAMS)


@dataclass
class RouteTable:
    endpoints: list[Endpoint]
    problems: list[str]


def _classify(path: str, module: str, include_in_schema: bool) -> Kind | None:
    if path in PUBLIC_PATHS:
        return Kind.PUBLIC
    if path in IDENTITY_PATHS:
        return Kind.IDENTITY
    if path.startswith(PARTNER_PREFIXES):
        return Kind.PARTNER
    if path.startswith(TENANT_PREFIXES):
        return Kind.CLIENT
    if module.startswith(CONSOLE_MODULE) and not include_in_schema:
        return Kind.CONSOLE
    return None


def classify(app: FastAPI, bodies: Collection[tuple[str, str]]) -> RouteTable:
    """Every (method, route) of ``app`` as an ``Endpoint``, and what could not be classified
    or filled (``bodies``: the (method, path) of the routes whose body is known)."""
    endpoints: list[Endpoint] = []
    problems: list[str] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = str(context.path)
        if isinstance(route, Mount):
            if path not in PUBLIC_MOUNTS:
                problems.append(f"mount {path}: not classified")
            continue
        if isinstance(route, APIRoute):
            module = route.endpoint.__module__
            include = bool(context.include_in_schema)
            has_body = route.body_field is not None
            form_body = has_body and isinstance(
                getattr(route.body_field, "field_info", None), params.Form
            )
        elif isinstance(route, Route):
            module, include = route.endpoint.__module__, False
            has_body = form_body = False
        else:
            problems.append(f"{type(route).__name__} {path}: not classified")
            continue
        kind = _classify(path, module, include)
        names = tuple(re.findall(r"{(\w+)}", path))
        for method in sorted(context.methods or ()):
            if method == "HEAD":
                continue  # Starlette's companion of GET
            if kind is None:
                problems.append(f"{method} {path}: not classified")
                continue
            endpoint = Endpoint(method, path, kind, names, has_body, form_body)
            if kind is Kind.CONSOLE:
                unknown = [p for p in names if p not in CONSOLE_PARAMS | {"artifact"}]
                if unknown:
                    problems.append(f"{endpoint.label}: no filler for {unknown}")
            if kind in (Kind.PARTNER, Kind.CLIENT, Kind.IDENTITY):
                unknown = [p for p in names if p not in KNOWN_PARAMS]
                if unknown:
                    problems.append(f"{endpoint.label}: no filler for {unknown}")
                if has_body and (method, path) not in bodies:
                    problems.append(f"{endpoint.label}: takes a body and none is known")
            endpoints.append(endpoint)
    return RouteTable(endpoints, problems)


def route_table(bodies: Collection[tuple[str, str]]) -> RouteTable:
    """The route table of an app built only to be read (nothing is served)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/routes.db")
        app = create_app(Settings(data_dir=Path(tmp)), db, SecretBox(MasterKey.generate()))
        try:
            return classify(app, bodies)
        finally:
            stop_using(app.state.runner)
            app.state.runner.shutdown()
            db.dispose()


# --- principals --------------------------------------------------------------------------


class Who(enum.StrEnum):
    OWN_ADMIN = "own-client-admin"
    OWN_VIEWER = "own-client-viewer"
    OTHER_CLIENT = "other-client-admin"
    PARTNER_ADMIN = "partner-admin"
    PARTNER_VIEWER = "partner-viewer"
    OTHER_PARTNER = "other-partner-admin"
    NO_TOKEN = "no-token"
    EXPIRED = "expired-token"


WRITERS = {Who.OWN_ADMIN, Who.PARTNER_ADMIN, Who.OTHER_CLIENT, Who.OTHER_PARTNER}
STRANGERS = {Who.OTHER_CLIENT, Who.OTHER_PARTNER}


# Where an allowed caller's answer is not a 200, and why.
ALLOWED_ANSWERS: dict[tuple[str, str], tuple[int, str]] = {
    # The fixture's scan finished ok: only a failed scan resumes.
    ("POST", "/api/v1/tenants/{tenantId}/scans/{scanId}/resume"): (409, "scan_not_resumable"),
}

# Writes run after every read, in this order (an unlisted write runs before the listed
# ones); DELETEs run last, each on an object of its own.
WRITE_ORDER = [
    "/api/v2/tenants/{tenantId}/integrations/installed/{integrationId}/disable",
    "/api/v2/tenants/{tenantId}/integrations/installed/{integrationId}/enable",
]


def order_key(endpoint: Endpoint) -> tuple[int, int, str]:
    if endpoint.method == "DELETE":
        return (3, 0, endpoint.label)
    if not endpoint.writes:
        return (0, 0, endpoint.label)
    if endpoint.path in WRITE_ORDER:
        return (1, WRITE_ORDER.index(endpoint.path), endpoint.label)
    # Scans start after the integration is enabled again.
    return (2 if "scan" in endpoint.path else 1, -1, endpoint.label)


# --- what an answer must be --------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    status: int
    code: str | None  # None: any (an allowed answer's body is the route's own)
    denied: bool

    def __str__(self) -> str:
        return f"{self.status} {self.code or ''}".strip()


FORBIDDEN = Expected(403, "forbidden", True)
NO_TENANT = Expected(404, "tenant_not_found", True)


def expected(endpoint: Endpoint, who: Who) -> Expected:
    if who is Who.NO_TOKEN:
        return Expected(401, "unauthorized", True)
    if who is Who.EXPIRED:
        return Expected(401, "invalid_token", True)
    status, code = ALLOWED_ANSWERS.get((endpoint.method, endpoint.path), (200, None))
    allowed = Expected(status, code, False)
    if endpoint.kind is Kind.IDENTITY:
        return allowed
    reaches = {Who.PARTNER_ADMIN, Who.PARTNER_VIEWER}
    if endpoint.kind is Kind.CLIENT:
        reaches |= {Who.OWN_ADMIN, Who.OWN_VIEWER}
    if who not in reaches:
        return NO_TENANT
    if endpoint.writes and who not in WRITERS:
        return FORBIDDEN
    return allowed
