"""How each route is called: the URL filled with client A's objects, a minimal body per
route that takes one, throwaway objects for DELETEs, and the console's requests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.api.isolation.routes import (
    CONSOLE_GET_WRITES,
    CONSOLE_UNTENANTED,
    STRANGERS,
    Endpoint,
    Who,
)
from tests.api.isolation.world import World
from tests.api.test_integrations import install_body
from tests.support.profiles import add_integration, profile_body
from tether.web.session import csrf_token_for

# --- requests ----------------------------------------------------------------------------

BodyMaker = Callable[[World, str], Any]


@dataclass(frozen=True)
class FormBody:
    """A form-encoded body (the OAuth endpoints take forms, not JSON)."""

    fields: dict[str, str]


def _install(world: World, _tenant: str) -> Any:
    member = world.org.onboarded_member_ids[0]
    body = install_body(world.org, member, displayName=f"Isolation install {next(world.counter)}")
    body["credential"]["Regions"] = world.org.regions[0]
    return body


def _new_profile(world: World, _tenant: str) -> Any:
    return [profile_body(world.integration, name=f"Isolation profile {next(world.counter)}")]


def _renamed_profile(world: World, _tenant: str) -> Any:
    answer = world.api.client.get(
        f"/api/v2/tenants/{world.client_a}/policies/discovery/{world.profile}",
        headers=world.headers[Who.PARTNER_ADMIN],
    )
    assert answer.status_code == 200, answer.text
    document = answer.json()
    document["name"] = f"Isolation renamed {next(world.counter)}"
    return [document]


def _new_client(world: World, _tenant: str) -> Any:
    return {
        "name": f"Isolation new client {next(world.counter)}",
        "address": "1 Main St",
        "timeZone": "Europe/London",
        "country": "UK",
    }


# A minimal valid body per route that takes one; the lambdas receive the world and the
# tenant in the URL. Bodies that name client A's objects make IDOR cases of their own.
BODIES: dict[tuple[str, str], BodyMaker] = {
    ("POST", "/api/v2/tenants/{tenantId}/clients"): _new_client,
    ("POST", "/api/v2/tenants/{tenantId}/integrations/install/AWS"): _install,
    ("POST", "/api/v2/tenants/{tenantId}/integrations/installed/{integrationId}"): (
        lambda _world, _tenant: {"deletedResourceRetentionDays": 30}
    ),
    ("DELETE", "/api/v2/tenants/{tenantId}/integrations/installed/{integrationId}"): (
        lambda _world, _tenant: {"uninstallReason": "isolation matrix"}
    ),
    ("POST", "/api/v2/tenants/{tenantId}/policies/discovery"): _new_profile,
    ("PUT", "/api/v2/tenants/{tenantId}/policies/discovery"): _renamed_profile,
    # Every caller names client A's admin's token: only its holder may revoke it.
    ("POST", "/tenancy/auth/oauth/revoke"): (
        lambda world, _tenant: FormBody({"token": world.victim_token})
    ),
}
# Bodies carrying client A's object ids.
BODY_REFERENCES = frozenset(
    {
        ("POST", "/api/v2/tenants/{tenantId}/policies/discovery"),
        ("PUT", "/api/v2/tenants/{tenantId}/policies/discovery"),
    }
)
# A well-formed body no route accepts: denied callers must be denied before it is read.
INVALID_BODY = {"isolationNotAField": 1}


def throwaway(world: World, param: str) -> str:
    """A fresh object of client A for a DELETE to remove."""
    if param == "integrationId":
        return add_integration(
            world.api.db,
            world.scope_a,
            account_id=world.org.management_account_id,
            display_name=f"Isolation throwaway {next(world.counter)}",
        )
    if param == "id":
        created = world.api.client.post(
            f"/api/v2/tenants/{world.client_a}/policies/discovery",
            json=_new_profile(world, world.client_a),
            headers=world.headers[Who.PARTNER_ADMIN],
        )
        assert created.status_code == 200, created.text
        return str(created.json()[0]["id"])
    raise AssertionError(f"no throwaway object for {{{param}}}: add one")


def fill(world: World, endpoint: Endpoint, tenant: str, fresh: bool) -> str:
    """The URL of ``endpoint`` on ``tenant`` with client A's objects (fresh ones if asked)."""
    values: dict[str, str] = {
        "tenantId": tenant,
        "clientId": world.client_a,
        "integrationId": world.integration,
        "scanId": world.scan,
        "resourceId": str(world.resource),
        "id": str(world.profile),
        "artifact": "permission-policy",
    }
    if fresh:
        for param in endpoint.object_params:
            values[param] = throwaway(world, param)
    return re.sub(r"{(\w+)}", lambda m: values[m.group(1)], endpoint.path)


# --- the console -------------------------------------------------------------------------

# Minimal forms for the console's POST routes (viewers must be refused with them).
CONSOLE_FORMS: dict[str, dict[str, str]] = {
    "/setup/clients": {
        "name": "Isolation console client",
        "address": "1 Main St",
        "timeZone": "UTC",
        "country": "UK",
    },
    "/setup/integrations/installed/{client_id}/{integration_id}/uninstall": {
        "uninstallReason": "isolation matrix"
    },
}


def console_request(world: World, endpoint: Endpoint, who: Who) -> tuple[str, dict[str, str]]:
    """The URL (client A's objects; ``?client=`` client A) and headers (the session cookie
    and its CSRF token) of a console call by ``who``."""
    values = {
        "client_id": world.client_a,
        "client": world.client_a,
        "integration_id": world.integration,
        "scan_id": world.scan,
        "resource_id": str(world.resource),
        "artifact": "permission-policy",
    }
    url = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], endpoint.path)
    if endpoint.path not in CONSOLE_UNTENANTED:
        url += f"?client={world.client_a}"
    headers = dict(world.sessions[who])
    if headers:
        headers["X-CSRF-Token"] = csrf_token_for(headers["Cookie"].split("=", 1)[1])
    return url, headers


def console_expected(endpoint: Endpoint, who: Who) -> int | None:
    """The status a console call must answer; None: the caller may do it (not run here)."""
    if who in (Who.NO_TOKEN, Who.EXPIRED):
        return 303  # to the login page
    if endpoint.path == "/logout":
        return None  # ends the caller's own session
    writes = endpoint.method != "GET" or endpoint.path in CONSOLE_GET_WRITES
    if endpoint.path == "/setup/clients":
        if who not in (Who.PARTNER_ADMIN, Who.PARTNER_VIEWER, Who.OTHER_PARTNER):
            return 403  # a client's users manage no clients
    elif endpoint.path not in CONSOLE_UNTENANTED and who in STRANGERS:
        return 404
    if writes and who in (Who.OWN_VIEWER, Who.PARTNER_VIEWER):
        return 403
    return None if writes else 200
