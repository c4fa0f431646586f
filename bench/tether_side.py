"""Tether as a user runs it, driven through its API: ``tether serve`` on the embedded
defaults (SQLite, scans on threads of the serving process), or on PostgreSQL with the scans
on ``tether worker`` processes over Redis."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from bench.processes import MemorySampler, Process
from tests.support.app import free_port
from tether.store.models import Resource, ResourceChange, Scan, ScanUnit

TETHER = str(Path(sys.executable).parent / "tether")
ROLE_NAME_DEFAULT = "OrganizationAccountAccessRole"


@dataclass(frozen=True)
class Backend:
    """Where Tether keeps its data and runs its scans."""

    name: str  # "embedded" | "embedded-processes" | "postgres-workers"
    database_url: str | None = None
    broker_url: str | None = None
    workers: int = 0
    worker_concurrency: int = 1
    scan_processes: int = 0  # TETHER_SCAN_PROCESSES of the embedded server

    @property
    def discovery_processes(self) -> int:
        """Processes whose CPU discovery can use: the serving process, its scan processes,
        or the workers' pool."""
        if self.broker_url:
            return self.workers * self.worker_concurrency
        return self.scan_processes or 1


@dataclass
class Tether:
    base_url: str
    token: str
    partner_id: str
    engine: Engine
    backend: Backend
    memory: MemorySampler
    processes: list[Process] = field(default_factory=list)
    client_id: str = ""
    integrations: dict[str, str] = field(default_factory=dict)  # account -> integration id

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, path: str, body: Any = None, timeout: float = 60) -> Any:
        answer = httpx.post(
            self.base_url + path, json=body, headers=self._headers(), timeout=timeout
        )
        if answer.status_code != 200:
            raise RuntimeError(f"POST {path}: {answer.status_code} {answer.text[:2000]}")
        return answer.json()

    def install_organization(self, endpoint: dict[str, Any], regions: list[str]) -> float:
        """Create a client and install the management account with all linked accounts;
        returns the seconds the install took (validation, then one AssumeRole per member)."""
        client = self.post(
            f"/api/v2/tenants/{self.partner_id}/clients",
            {"name": "Bench", "address": "1 Main St", "timeZone": "UTC", "country": "UK"},
        )
        self.client_id = client["uniqueId"]
        role_name = endpoint.get("role_name") or ROLE_NAME_DEFAULT
        management_role = f"arn:aws:iam::{endpoint['management_account_id']}:role/{role_name}"
        body = {
            "displayName": "Bench org",
            "credential": {
                "credentialType": "AWS",
                "AWSType": "IAM with AssumeRole",
                "Regions": ",".join(regions),
                "AccountNumber": endpoint["trusted_account_id"],
                "AccessKey": endpoint["access_key_id"],
                "SecurityKey": endpoint["secret_access_key"],
                "AssumeRoleARN": management_role,
                "ExternalId": endpoint["external_id"],
            },
            "installAllLinkedAccounts": True,
            "memberRoleName": role_name,
        }
        started = time.perf_counter()
        parent = self.post(f"/api/v2/tenants/{self.client_id}/integrations/install/AWS", body, 600)
        seconds = time.perf_counter() - started
        self.integrations = {parent["accountNumber"]: parent["id"]}
        failed = []
        for child in parent.get("linkedAccounts") or []:
            if child["status"] == "enabled":
                self.integrations[child["accountNumber"]] = child["id"]
            else:
                failed.append(child)
        if failed:
            raise RuntimeError(f"{len(failed)} linked accounts failed: {failed[:3]}")
        return seconds

    def set_rules(self, rules: list[dict[str, str]]) -> None:
        """Every profile of the client selects these rules (c7n comparisons: same types)."""
        path = f"/api/v2/tenants/{self.client_id}/policies/discovery"
        profiles = httpx.get(self.base_url + path, headers=self._headers(), timeout=60).json()
        for profile in profiles:
            profile["policy"]["rules"] = rules
        answer = httpx.put(self.base_url + path, json=profiles, headers=self._headers(), timeout=60)
        if answer.status_code != 200:
            raise RuntimeError(f"PUT {path}: {answer.status_code} {answer.text[:2000]}")

    def scan(self, accounts: list[str], timeout: float = 3600) -> Phase:
        """Scan the accounts' integrations (all at once, as a scheduler would) and wait."""
        started_at = datetime.now(UTC)
        started = time.perf_counter()
        scan_ids = [
            self.post(
                f"/api/v1/tenants/{self.client_id}/integrations/{self.integrations[a]}/scans"
            )["id"]
            for a in accounts
        ]
        deadline = started + timeout
        while True:
            if self._open(scan_ids) == 0:
                break
            for process in self.processes:
                if not process.alive():
                    raise RuntimeError(f"{process.name} exited: {process.tail()}")
            if time.perf_counter() > deadline:
                raise TimeoutError(f"scans still open after {timeout} s")
            time.sleep(0.25)
        wall = time.perf_counter() - started
        return self._phase(scan_ids, started_at, wall)

    def _open(self, scan_ids: list[str]) -> int:
        with self.engine.connect() as db:
            return int(
                db.execute(
                    select(func.count())
                    .select_from(Scan)
                    .where(Scan.id.in_(scan_ids), Scan.status.in_(("queued", "running")))
                ).scalar_one()
            )

    def _phase(self, scan_ids: list[str], since: datetime, wall: float) -> Phase:
        """What the scans did, from Tether's own records: outcomes, counts, rows written."""
        tenant = self.client_id
        ours = Scan.id.in_(scan_ids)
        with self.engine.connect() as db:
            statuses = db.execute(
                select(Scan.status, func.count()).where(ours).group_by(Scan.status)
            )
            scan_statuses = {str(k): int(v) for k, v in statuses.all()}
            api_calls, throttles, found = db.execute(
                select(
                    func.coalesce(func.sum(Scan.api_calls), 0),
                    func.coalesce(func.sum(Scan.throttles), 0),
                    func.coalesce(func.sum(Scan.resources_found), 0),
                ).where(ours)
            ).one()
            units = db.execute(
                select(ScanUnit.status, func.count())
                .where(ScanUnit.scan_id.in_(scan_ids))
                .group_by(ScanUnit.status)
            )
            unit_statuses = {str(k): int(v) for k, v in units.all()}
            count = select(func.count()).select_from(Resource).where(Resource.tenant_id == tenant)
            resource_rows = db.execute(count.where(Resource.last_changed >= since)).scalar_one()
            live = db.execute(count.where(Resource.deleted_at.is_(None))).scalar_one()
            history_rows = db.execute(
                select(func.count())
                .select_from(ResourceChange)
                .where(ResourceChange.tenant_id == tenant, ResourceChange.at >= since)
            ).scalar_one()
        return Phase(
            wall_s=wall,
            scans=len(scan_ids),
            scan_statuses=scan_statuses,
            unit_statuses=unit_statuses,
            tether_api_calls=int(api_calls),
            tether_throttles=int(throttles),
            resources_found=int(found),
            resources_live=int(live),
            resource_rows_written=int(resource_rows),
            history_rows_written=int(history_rows),
            scan_unit_rows_written=sum(unit_statuses.values()),
        )

    def inventory(self) -> list[dict[str, Any]]:
        """The client's live resources: what cross-tool comparisons look at."""
        columns = (
            Resource.arn, Resource.name, Resource.resource_type, Resource.account_id,
            Resource.region, Resource.attributes,
        )  # fmt: skip
        with self.engine.connect() as db:
            rows = db.execute(
                select(*columns).where(
                    Resource.tenant_id == self.client_id, Resource.deleted_at.is_(None)
                )
            ).mappings()
            return [dict(row) for row in rows]


@dataclass
class Phase:
    wall_s: float
    scans: int
    scan_statuses: dict[str, int]
    unit_statuses: dict[str, int]
    tether_api_calls: int
    tether_throttles: int
    resources_found: int
    resources_live: int
    resource_rows_written: int
    history_rows_written: int
    scan_unit_rows_written: int


def _environment(workdir: Path, endpoint_url: str, backend: Backend, port: int) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TETHER_", "AWS_"))}
    env |= {
        "TETHER_DATA_DIR": str(workdir / "data"),
        "TETHER_PORT": str(port),
        "TETHER_DEMO": "false",
        "TETHER_AWS_ENDPOINT_URL": endpoint_url,
        "TETHER_LOG_LEVEL": "WARNING",
    }
    if backend.database_url:
        env["TETHER_DATABASE_URL"] = backend.database_url
    if backend.broker_url:
        env["TETHER_BROKER_URL"] = backend.broker_url
    if backend.scan_processes:
        env["TETHER_SCAN_PROCESSES"] = str(backend.scan_processes)
    return env


@contextmanager
def running_tether(workdir: Path, endpoint_url: str, backend: Backend) -> Iterator[Tether]:
    """``tether bootstrap``, ``tether serve`` and the workers; stopped when the block ends."""
    port = free_port()
    env = _environment(workdir, endpoint_url, backend, port)
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    boot = subprocess.run(  # noqa: S603 - an argv we build, no shell
        [TETHER, "bootstrap", "--json"], env=env, capture_output=True, text=True, check=False
    )
    if boot.returncode != 0:
        raise RuntimeError(f"tether bootstrap failed: {boot.stderr[-2000:]}")
    keys = json.loads(boot.stdout)
    memory = MemorySampler()
    with ExitStack() as stack:
        stack.callback(memory.stop)
        processes: list[Process] = []
        serve = Process.start("serve", [TETHER, "serve"], env, logs)
        stack.callback(serve.stop)
        processes.append(serve)
        memory.watch("serve", serve.popen.pid)
        for index in range(backend.workers if backend.broker_url else 0):
            worker = Process.start(
                f"worker{index}",
                [
                    TETHER, "worker", f"--name=bench{index}@bench",
                    f"--concurrency={backend.worker_concurrency}",
                    "--beat" if index == 0 else "--no-beat",
                ],
                env,
                logs,
            )  # fmt: skip
            stack.callback(worker.stop)
            processes.append(worker)
            memory.watch(worker.name, worker.popen.pid)
        base_url = f"http://127.0.0.1:{port}"
        _wait_ready(base_url, serve)
        if backend.broker_url:
            _wait_workers(backend.broker_url, processes[1:])
        token = httpx.post(
            f"{base_url}/tenancy/auth/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": keys["api_key"],
                "client_secret": keys["api_secret"],
            },
            timeout=30,
        ).json()["access_token"]
        database_url = backend.database_url or f"sqlite:///{workdir / 'data' / 'tether.db'}"
        engine = create_engine(database_url)
        stack.callback(engine.dispose)
        yield Tether(base_url, token, keys["partner_id"], engine, backend, memory, processes)


def _wait_ready(base_url: str, serve: Process, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not serve.alive():
            raise RuntimeError(f"tether serve exited: {serve.tail()}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"tether serve not ready: {serve.tail()}")


def _wait_workers(broker_url: str, workers: list[Process], timeout: float = 120) -> None:
    """Until every worker answers a ping, so no scan waits for a worker's start-up."""
    from celery import Celery

    control = Celery(broker=broker_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for worker in workers:
                if not worker.alive():
                    raise RuntimeError(f"{worker.name} exited: {worker.tail()}")
            if len(control.control.ping(timeout=1.0)) >= len(workers):
                return
        raise TimeoutError(f"workers not ready: {workers[0].tail()}")
    finally:
        control.close()
