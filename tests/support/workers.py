"""``tether worker`` processes for the scale-out tests: start, ping, SIGKILL, stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from celery import Celery
from kombu.exceptions import OperationalError

from tests.support.app import Api, make_api
from tests.support.postgres import PostgresServer, create_database
from tests.support.redis import RedisServer
from tether.config import Settings
from tether.jobs.celery_app import create_celery
from tether.store.db import Database
from tether.store.migrate import upgrade


@dataclass
class Workers:
    """Worker processes sharing one environment (database, broker, AWS endpoint, keys)."""

    env: dict[str, str]
    logs: Path
    control: Celery
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, concurrency: int = 1, beat: bool = True) -> str:
        """Start a worker (its own process group, so a SIGKILL takes its pool too); return
        its node name once it answers a ping."""
        node = f"{name}@tests"
        command = [
            str(Path(sys.executable).parent / "tether"),
            "worker",
            f"--name={node}",
            f"--concurrency={concurrency}",
            "--beat" if beat else "--no-beat",
        ]
        with (self.logs / f"{name}.log").open("ab") as log:
            self.processes[node] = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_ready(node)
        return node

    def wait_ready(self, node: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self._pong(node):
            process = self.processes[node]
            assert process.poll() is None, f"{node} exited: {self.log(node)[-3000:]}"
            assert time.monotonic() < deadline, f"{node} never answered: {self.log(node)[-3000:]}"

    def _pong(self, node: str) -> bool:
        try:
            return any(node in reply for reply in self.control.control.ping([node], timeout=0.5))
        except (redis.ConnectionError, OperationalError):
            return False  # the broker restarted under a pooled connection: ask again

    def kill(self, node: str) -> None:
        """SIGKILL the worker and its pool processes: nothing gets to acknowledge."""
        process = self.processes.pop(node)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for node, process in list(self.processes.items()):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
            del self.processes[node]

    def log(self, node: str) -> str:
        name = node.split("@", 1)[0]
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def received(self, task: str) -> int:
        """How many ``task`` messages all workers so far took from the broker (their logs)."""
        return sum(
            1
            for log in self.logs.glob("*.log")
            for line in log.read_text(errors="replace").splitlines()
            if f"Task {task}[" in line and line.endswith("received")
        )

    def tasks_done(self, node: str, task: str) -> int:
        """How many ``task`` runs the worker's log reports as succeeded."""
        return sum(
            1
            for line in self.log(node).splitlines()
            if f"Task {task}[" in line and "succeeded" in line
        )


@contextmanager
def two_worker_cluster(
    root: Path, db: Database, overrides: dict[str, Any], beat: bool = True
) -> Iterator[tuple[Api, Workers, dict[str, str]]]:
    """The API (TestClient) and workers ``one`` and ``two`` with the same settings
    (``overrides``, as ``TETHER_*`` for the workers), their data directory under ``root``."""
    data_dir = root / "data"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TETHER_", "AWS_"))}
    env |= {f"TETHER_{key.upper()}": str(value) for key, value in overrides.items()}
    env |= {"TETHER_DATA_DIR": str(data_dir), "TETHER_DEMO": "false"}
    control = create_celery(Settings(data_dir=data_dir, **overrides))
    workers = Workers(env, root, control)
    try:
        with contextmanager(make_api)(db, data_dir, **overrides) as api:
            workers.start("one", beat=beat)
            workers.start("two", beat=beat)
            yield api, workers, env
    finally:
        workers.stop_all()
        control.close()


@dataclass
class Cluster:
    api: Api
    workers: Workers
    broker: RedisServer
    postgres: PostgresServer
    env: dict[str, str]


@contextmanager
def cluster_on_own_services(
    root: Path, aws_endpoint_url: str, overrides: dict[str, Any], beat: bool = True
) -> Iterator[Cluster]:
    """The API (TestClient, Celery runner) and two workers on a PostgreSQL and a Redis of
    their own (so a test may stop or restart them), AWS at ``aws_endpoint_url``."""
    broker, postgres = RedisServer(), PostgresServer()
    try:
        broker.start()
        postgres.start()
        db = Database(create_database(postgres.url, "tether"))
        upgrade(db.engine)
        settings: dict[str, Any] = {
            "database_url": db.url,
            "broker_url": broker.url,
            "aws_endpoint_url": aws_endpoint_url,
            "iam_propagation_seconds": 0.5,
            **overrides,
        }
        try:
            with two_worker_cluster(root, db, settings, beat) as (api, workers, env):
                yield Cluster(api, workers, broker, postgres, env)
        finally:
            db.dispose()
    finally:
        broker.close()
        postgres.close()
