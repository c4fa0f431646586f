"""``/api/v2/tenants/{tenantId}/policies/discovery``: every route and every error path."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opsramp.binding import connect
from opsramp.msp import Clients

from tests.support.app import Api, RunningServer, free_port, serving, tether_command
from tests.support.profiles import FakeScans, add_integration, profile_body
from tether.api.opsramp_v2.profiles import scan_starter
from tether.domain.tenancy import Role
from tether.security.scoping import TenantScope, system_scope
from tether.store.db import Database
from tether.store.repositories.tenants import TenantDirectory

DOCUMENT_KEYS = {
    "id",
    "name",
    "installedIntegrationId",
    "credentialSet",
    "policy",
    "schedule",
    "nextRunTime",
    "lastRunTime",
    "createdTime",
    "updatedTime",
}


def scope_of(db: Database, tenant_id: str) -> TenantScope:
    with db.transaction() as session:
        ref = TenantDirectory(session).ref(tenant_id)
    assert ref is not None
    return system_scope(ref)


class Acme:
    """A client with one integration, and the base URL of its profiles."""

    def __init__(self, api: Api, name: str = "Acme") -> None:
        self.api = api
        self.id = api.create_client(name)["uniqueId"]
        self.integration = add_integration(api.db, scope_of(api.db, self.id))
        self.base = f"/api/v2/tenants/{self.id}/policies/discovery"

    def post(self, body: Any, headers: dict[str, str] | None = None) -> Any:
        return self.api.client.post(self.base, json=body, headers=headers or self.api.headers())

    def create(self, **extra: Any) -> dict[str, Any]:
        response = self.post([profile_body(self.integration, **extra)])
        assert response.status_code == 200, response.text
        created: dict[str, Any] = response.json()[0]
        return created

    def get(self, suffix: str = "", headers: dict[str, str] | None = None, **params: Any) -> Any:
        return self.api.client.get(
            self.base + suffix, params=params, headers=headers or self.api.headers()
        )


@pytest.fixture
def scans(api: Api) -> Iterator[FakeScans]:
    fake = FakeScans()
    overrides = api.client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[scan_starter] = lambda: fake
    yield fake
    overrides.pop(scan_starter)


def test_create_read_search_update_delete(api_on_both: Api) -> None:
    acme = Acme(api_on_both)
    body = profile_body(acme.integration)
    created = acme.create()
    assert set(created) == DOCUMENT_KEYS
    assert isinstance(created["id"], int)
    for key in ("name", "installedIntegrationId", "credentialSet", "schedule"):
        assert created[key] == body[key], key
    # A type-only rule answers with null key, operator and value.
    assert created["policy"]["rules"][0] == {
        "filterType": "ANY_CLOUD_RESOURCE",
        "key": None,
        "operator": None,
        "value": None,
    }
    assert created["policy"]["rules"][1] == body["policy"]["rules"][1]
    assert created["policy"]["actions"] == body["policy"]["actions"]
    assert created["nextRunTime"].endswith("+0000")
    assert created["lastRunTime"] is None

    assert acme.get().json() == [created]
    assert acme.get(f"/{created['id']}").json() == created
    found = acme.get("/search", queryString=f"name:basic+integration:{acme.integration}").json()
    assert [p["id"] for p in found["results"]] == [created["id"]]
    assert (found["totalResults"], found["nextPage"]) == (1, False)
    assert acme.get("/search", name="AWS Basic").json()["totalResults"] == 1
    assert acme.get("/search", name="nothing").json()["results"] == []

    # What GET answers can be posted back: read-only fields are ignored.
    fetched = acme.get(f"/{created['id']}").json()
    fetched["policy"]["matchType"] = "ALL"
    updated = acme.post([fetched])
    assert updated.status_code == 200, updated.text
    assert updated.json()[0]["policy"]["matchType"] == "ALL"
    assert updated.json()[0]["nextRunTime"] == created["nextRunTime"]

    put = api_on_both.client.put(
        acme.base, json=[{**fetched, "name": "Renamed"}], headers=api_on_both.headers()
    )
    assert put.status_code == 200, put.text
    assert put.json()[0]["name"] == "Renamed"
    assert len(acme.get().json()) == 1

    deleted = api_on_both.client.delete(f"{acme.base}/{created['id']}", headers=acme.api.headers())
    assert deleted.json() == {"success": True, "id": created["id"]}
    gone = acme.get(f"/{created['id']}")
    assert (gone.status_code, gone.json()["code"]) == (404, "discovery_profile_not_found")


def test_rescan_starts_a_scan(api: Api, scans: FakeScans) -> None:
    acme = Acme(api)
    created = acme.create()
    response = acme.get(f"/action/scan/{created['id']}")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["success"] is True
    assert answer["message"] == "scan initiated"
    assert (answer["profileId"], answer["installedIntegrationId"]) == (
        created["id"],
        acme.integration,
    )
    assert answer["scanStatus"] == "queued"
    assert scans.calls == [(acme.id, acme.integration, "api", "api:bootstrap")]
    assert acme.get(f"/{created['id']}").json()["lastRunTime"] is not None

    disabled = add_integration(api.db, scope_of(api.db, acme.id), status="disabled")
    idle = acme.post([profile_body(disabled, "Idle")]).json()[0]
    refused = acme.get(f"/action/scan/{idle['id']}")
    assert (refused.status_code, refused.json()["code"]) == (409, "integration_not_enabled")
    assert acme.get("/action/scan/999").status_code == 404


def changed(integration: str, changes: dict[str, Any]) -> list[dict[str, Any]]:
    """A profile with ``{"policy.rules.1.value": ...}`` style changes (None: remove)."""
    body = profile_body(integration)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target: Any = body
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return [body]


INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"colour": "red"}, "[0].colour", "unknown field"),
    (
        {"policy.rules.1.operator": "Regex", "policy.rules.1.value": "(us"},
        "[0].policy.rules[1].value",
        "invalid regular expression",
    ),
    (
        {"policy.rules.1.operator": "Regex", "policy.rules.1.value": "(.*a)+$"},
        "[0].policy.rules[1].value",
        "exponential",
    ),
    ({"policy.rules.1.operator": "Like"}, "[0].policy.rules[1].operator", "'Like'"),
    ({"policy.rules.1.value": None}, "[0].policy.rules[1].value", "is required"),
    ({"policy.rules.0.filterType": "FOO"}, "[0].policy.rules[0].filterType", "'FOO'"),
    ({"policy.actions.0.action": "DELETE"}, "[0].policy.actions[0].action", "'DELETE'"),
    ({"policy.matchType": "SOME"}, "[0].policy.matchType", "'SOME'"),
    ({"policy.rules": []}, "[0].policy.rules", "at least 1"),
    ({"schedule.pattern": "25"}, "[0].schedule.pattern", "from 1 to 24"),
    ({"schedule.startTime": "2:00"}, "[0].schedule.startTime", "HH:MM:SS"),
    ({"schedule.patternType": "YEARLY"}, "[0].schedule.patternType", "'YEARLY'"),
    ({"name": None}, "[0].name", "is required"),
]


def test_invalid_profiles_name_the_field(api: Api) -> None:
    acme = Acme(api)  # one app for every case: each costs a request, not a bootstrap
    for changes, field, message in INVALID:
        response = acme.post(changed(acme.integration, changes))
        assert response.status_code == 400, (changes, response.text)
        error = response.json()
        assert error["code"] == "invalid_request"
        assert field in error["fields"], (changes, error)
        assert error["message"].startswith(f"{field}:"), (changes, error)
        assert message in error["message"], (changes, error)
    assert acme.get().json() == []


def test_bodies_that_are_not_arrays_of_profiles(api: Api) -> None:
    acme = Acme(api)
    headers = {**api.headers(), "Content-Type": "application/json"}
    for raw, code, fields in [
        (b"[{", "malformed_json", None),
        (b"{}", "invalid_request", ["body"]),
        (b"[]", "invalid_request", ["body"]),
        (b"[1]", "invalid_request", ["[0]"]),
    ]:
        response = api.client.post(acme.base, content=raw, headers=headers)
        answer = response.json()
        assert (response.status_code, answer["code"], answer.get("fields")) == (400, code, fields)


def test_database_rule_errors(api: Api) -> None:
    acme = Acme(api)
    globex = Acme(api, "Globex")
    foreign = acme.post([profile_body(globex.integration)])
    assert (foreign.status_code, foreign.json()["code"]) == (404, "integration_not_found")
    twice = acme.post([profile_body(acme.integration), profile_body(acme.integration)])
    assert (twice.status_code, twice.json()["code"]) == (409, "duplicate_name")
    no_id = api.client.put(acme.base, json=[profile_body(acme.integration)], headers=api.headers())
    assert (no_id.status_code, no_id.json()["fields"]) == (400, ["[0].id"])
    their_profile = globex.create()
    assert acme.get(f"/{their_profile['id']}").status_code == 404
    assert acme.get("/not-a-number").status_code == 400
    assert acme.get("/search", queryString="colour:red").json()["fields"] == ["queryString"]
    assert acme.get("/search", pageSize=0).json()["fields"] == ["pageSize"]


def test_authentication_and_roles(api: Api, scans: FakeScans) -> None:
    acme = Acme(api)
    created = acme.create()
    assert api.client.get(acme.base).status_code == 401

    viewer = api.headers(*api.add_api_client(acme.id, Role.VIEWER, name="viewer"))
    assert acme.get(headers=viewer).status_code == 200
    assert acme.get(f"/{created['id']}", headers=viewer).status_code == 200
    refused = [
        acme.post([profile_body(acme.integration, "Other")], headers=viewer),
        api.client.put(acme.base, json=[created], headers=viewer),
        api.client.delete(f"{acme.base}/{created['id']}", headers=viewer),
        acme.get(f"/action/scan/{created['id']}", headers=viewer),
    ]
    assert [(r.status_code, r.json()["code"]) for r in refused] == [(403, "forbidden")] * 4
    assert scans.calls == []

    admin = api.headers(*api.add_api_client(acme.id, Role.CLIENT_ADMIN, name="admin"))
    assert acme.post([profile_body(acme.integration, "Own")], headers=admin).status_code == 200
    globex = Acme(api, "Globex")
    other = api.headers(*api.add_api_client(globex.id, Role.CLIENT_ADMIN, name="globex"))
    response = acme.get(headers=other)
    assert (response.status_code, response.json()["code"]) == (404, "tenant_not_found")


def test_openapi_describes_the_routes(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    paths = schema["paths"]
    base = "/api/v2/tenants/{tenantId}/policies/discovery"
    assert set(paths[base]) == {"get", "post", "put"}
    assert set(paths[base + "/{id}"]) == {"get", "delete"}
    assert "get" in paths[base + "/search"]
    assert "get" in paths[base + "/action/scan/{id}"]
    body = paths[base]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert body["items"]["$ref"].endswith("/ProfileInput")
    answer = paths[base]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["items"]["$ref"].endswith("/ProfileDocument")
    components = schema["components"]["schemas"]
    rule = components["Rule"]["properties"]
    assert "ANY_CLOUD_RESOURCE" in rule["filterType"]["enum"]
    assert "Starts with" in components["Operator"]["enum"]


@pytest.fixture
def server(tether_env: dict[str, str], tmp_path: Path) -> Iterator[RunningServer]:
    """``running_server`` without the demo AWS organization, which these tests do not use."""
    env = {**tether_env, "TETHER_PORT": str(free_port()), "TETHER_DEMO": "false"}
    bootstrapped = tether_command("bootstrap", "--json", env=env)
    assert bootstrapped.returncode == 0, bootstrapped.stderr
    log = tmp_path / "serve.log"
    with serving(env, log) as base_url:
        yield RunningServer(base_url, env, log, json.loads(bootstrapped.stdout))


def test_python_opsramp(server: RunningServer) -> None:
    boot = server.boot
    opsramp = connect(server.base_url, boot["api_key"], boot["api_secret"])
    client = (
        opsramp.tenant(boot["partner_id"])
        .clients()
        .create(Clients.mkClient("Acme Rockets", "1 Launch Road", "UTC", "US"))
    )
    server_db = Database(f"sqlite:///{Path(server.env['TETHER_DATA_DIR']) / 'tether.db'}")
    try:
        integration = add_integration(server_db, scope_of(server_db, client["uniqueId"]))
    finally:
        server_db.dispose()
    discovery = opsramp.tenant(client["uniqueId"]).discovery()

    (created,) = discovery.create([profile_body(integration)])
    found = discovery.search("AWS Basic Discovery Profile")
    assert [p["id"] for p in found["results"]] == [created["id"]]
    assert [p["id"] for p in discovery.get()] == [created["id"]]

    changed = copy.deepcopy(created)
    changed["schedule"] = {"patternType": "WEEKLY", "pattern": "MON, WED", "startTime": "09:00:00"}
    (updated,) = discovery.update([changed])
    assert updated["id"] == created["id"]
    assert updated["schedule"]["pattern"] == "MON, WED"

    answer = discovery.rescan(created["id"])
    assert answer["message"] == "scan initiated"
    assert answer["installedIntegrationId"] == integration

    assert discovery.delete(created["id"]) == {"success": True, "id": created["id"]}
    assert discovery.get() == []
    with pytest.raises(RuntimeError, match="404"):
        discovery.rescan(created["id"])
