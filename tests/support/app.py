"""The API in-process (FastAPI's TestClient) and as a real ``tether serve`` process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from tests.support.secrets import (
    TOKEN_PATH,
    check_database_files,
    check_response,
    check_server_output,
    known_secrets,
)
from tether.api.app import create_app
from tether.config import Settings
from tether.domain.tenancy import Role
from tether.emulator import FaultProxy
from tether.security import tokens
from tether.security.passwords import hash_secret
from tether.security.scoping import system_scope
from tether.services.bootstrap import BootstrapResult, bootstrap
from tether.store.db import Database
from tether.store.models import ApiClient
from tether.store.repositories.identity import ApiClientRepository
from tether.store.repositories.tenants import TenantDirectory


@dataclass
class Api:
    """A TestClient with the bootstrap partner's credentials at hand."""

    client: TestClient
    db: Database
    # Out of the repr, which pytest prints with a failed test's arguments.
    boot: BootstrapResult = field(repr=False)
    _tokens: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def partner_id(self) -> str:
        return self.boot.partner_id

    def token(self, key: str, secret: str) -> str:
        if key not in self._tokens:
            response = self.client.post(
                TOKEN_PATH,
                data={
                    "grant_type": "client_credentials",
                    "client_id": key,
                    "client_secret": secret,
                },
            )
            assert response.status_code == 200, response.text
            self._tokens[key] = response.json()["access_token"]
            known_secrets.add(self._tokens[key], "an access token")
        return self._tokens[key]

    def headers(self, key: str | None = None, secret: str | None = None) -> dict[str, str]:
        if key is None:
            assert self.boot.api_secret is not None
            key, secret = self.boot.api_key, self.boot.api_secret
        assert secret is not None
        return {"Authorization": f"Bearer {self.token(key, secret)}"}

    def add_api_client(self, tenant_id: str, role: Role, name: str = "test") -> tuple[str, str]:
        """A new key + secret for ``tenant_id`` (which must exist)."""
        secret = tokens.new_api_secret()
        known_secrets.add(secret, f"the API secret of client {name!r}")
        key = tokens.new_api_key()
        with self.db.transaction() as session:
            ref = TenantDirectory(session).ref(tenant_id)
            assert ref is not None
            assert role.fits(ref.kind)
            ApiClientRepository(session, system_scope(ref)).add(
                ApiClient(name=name, key=key, secret_hash=hash_secret(secret), role=role)
            )
        return key, secret

    def create_client(self, name: str, **extra: Any) -> dict[str, Any]:
        body = {"name": name, "address": "1 Main St", "timeZone": "Europe/London", "country": "UK"}
        body.update(extra)
        response = self.client.post(
            f"/api/v2/tenants/{self.partner_id}/clients", json=body, headers=self.headers()
        )
        assert response.status_code == 200, response.text
        created: dict[str, Any] = response.json()
        return created


def make_api(db: Database, data_dir: Path, **settings_overrides: Any) -> Iterator[Api]:
    settings = Settings(data_dir=data_dir, **settings_overrides)
    boot = bootstrap(db)
    known_secrets.add(boot.api_secret, "the bootstrap API secret")
    known_secrets.add(boot.admin_password, "the bootstrap admin password")
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as client:
        # Every answer, error pages and console HTML included, is checked for secrets.
        client.event_hooks["response"].append(check_response)
        yield Api(client=client, db=db, boot=boot)


@pytest.fixture
def api(sqlite_database: Database, tmp_path: Path) -> Iterator[Api]:
    """The app on SQLite, bootstrapped."""
    yield from make_api(sqlite_database, tmp_path)


@pytest.fixture
def aws_api(sqlite_database: Database, tmp_path: Path, aws_faults: FaultProxy) -> Iterator[Api]:
    """The app on SQLite with every AWS call going through the fault proxy."""
    yield from make_api(
        sqlite_database,
        tmp_path,
        aws_endpoint_url=aws_faults.endpoint_url,
        iam_propagation_seconds=0.5,
    )


@pytest.fixture
def api_on_both(database: Database, tmp_path: Path) -> Iterator[Api]:
    """The app bootstrapped on SQLite and, in a second run, on PostgreSQL."""
    yield from make_api(database, tmp_path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    env: dict[str, str]
    log: Path
    boot: dict[str, str]


def tether_command(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``tether`` console script."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "tether"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def tether_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TETHER_", "AWS_"))}
    env["TETHER_DATA_DIR"] = str(tmp_path / "data")
    return env


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[str]:
    """Start ``tether serve`` with ``env``; yield its base URL once /readyz answers 200."""
    base_url = f"http://127.0.0.1:{env['TETHER_PORT']}"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "tether"), "serve"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"tether serve exited: {log.read_text()}"
            try:
                if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"tether serve not ready: {log.read_text()}"
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    check_server_output(log)


@contextmanager
def bootstrapped_server(env: dict[str, str], log: Path) -> Iterator[RunningServer]:
    """``tether bootstrap --json``, then ``tether serve`` in its own process on a free port."""
    env = {**env, "TETHER_PORT": str(free_port())}
    bootstrapped = tether_command("bootstrap", "--json", env=env)
    assert bootstrapped.returncode == 0, bootstrapped.stderr
    boot = json.loads(bootstrapped.stdout)
    known_secrets.add(boot.get("api_secret"), "the served bootstrap API secret")
    known_secrets.add(boot.get("admin_password"), "the served bootstrap admin password")
    with serving(env, log) as base_url:
        yield RunningServer(base_url=base_url, env=env, log=log, boot=boot)
    if "TETHER_DATABASE_URL" not in env:
        check_database_files(Path(env["TETHER_DATA_DIR"]) / "tether.db")


@pytest.fixture
def running_server(tether_env: dict[str, str], tmp_path: Path) -> Iterator[RunningServer]:
    """A bootstrapped ``tether serve`` without AWS (no demo emulator either)."""
    with bootstrapped_server(
        {**tether_env, "TETHER_DEMO": "false"}, tmp_path / "serve.log"
    ) as server:
        yield server
