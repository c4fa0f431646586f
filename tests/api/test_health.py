"""Probes, docs and behaviour when the database is away."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.support.app import Api, free_port
from tether.api.app import create_app
from tether.config import Settings
from tether.store.db import Database
from tether.store.migrate import head_revision


def test_probes_docs_and_home(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz").json()
    assert ready == {"status": "ready", "database": "sqlite", "schema": head_revision()}
    docs = api.client.get("/docs")
    assert docs.status_code == 200
    # Swagger UI is served from this server, not a CDN (Tether runs offline).
    assert "/static/docs/swagger-ui-bundle.js" in docs.text
    assert "cdn." not in docs.text
    assert api.client.get("/static/docs/swagger-ui-bundle.js").status_code == 200
    schema = api.client.get("/openapi.json").json()
    assert "/api/v2/tenants/{tenantId}/clients/search" in schema["paths"]
    assert "/tenancy/auth/oauth/token" in schema["paths"]
    # Validation errors are 400s, and the schema says so.
    documented = {
        code
        for path in schema["paths"].values()
        for op in path.values()
        for code in op["responses"]
    }
    assert "422" not in documented
    assert "ErrorBody" in schema["components"]["schemas"]
    # The console starts at its login page; every answer carries the security headers.
    home = api.client.get("/", follow_redirects=True)
    assert home.url.path == "/login"
    assert home.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in home.headers["content-security-policy"]


def test_readyz_reports_an_outdated_schema(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(create_app(Settings(data_dir=tmp_path), db)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["code"] == "schema_outdated"


def test_an_unreachable_database_gives_503_not_500(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/tether"
    db = Database(url)
    with TestClient(create_app(Settings(data_dir=tmp_path), db)) as client:
        ready = client.get("/readyz")
        token = client.post(
            "/tenancy/auth/oauth/token",
            data={"grant_type": "client_credentials", "client_id": "k", "client_secret": "s"},
        )
        search = client.get(
            "/api/v2/tenants/msp_x/clients/search", headers={"Authorization": "Bearer abc"}
        )
    assert (ready.status_code, ready.json()["code"]) == (503, "database_unavailable")
    assert (token.status_code, token.json()["code"]) == (503, "database_unavailable")
    assert (search.status_code, search.json()["code"]) == (503, "database_unavailable")
