"""A throwaway PostgreSQL server for the test session, from Debian's postgresql package.

``TETHER_TEST_POSTGRES_URL`` (an admin URL such as ``postgresql://postgres@127.0.0.1:5432/postgres``)
uses an existing server instead. PostgreSQL refuses to run as root, so as root the
server runs as the ``postgres`` user that the Debian package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError(
        "PostgreSQL is not installed: run `make test` (it installs Debian's postgresql) "
        "or set TETHER_TEST_POSTGRES_URL"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    pwd.getpwnam("postgres")  # KeyError here means the Debian package is missing
    return ["runuser", "-u", "postgres", "--"]


class PostgresServer:
    """One throwaway server: initdb in a temporary directory, then start/stop at will (the
    fault tests stop it under a running API and start it again on the same port)."""

    def __init__(self) -> None:
        self.bin_dir = _bin_dir()
        self.prefix = _as_postgres_user()
        self.root = Path(tempfile.mkdtemp(prefix="tether-pg-"))
        self.data, self.sockets = self.root / "data", self.root / "run"
        self.data.mkdir()
        self.sockets.mkdir()
        if self.prefix:
            for path in (self.root, self.data, self.sockets):
                shutil.chown(path, "postgres")
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        subprocess.run(
            [
                *self.prefix,
                str(self.bin_dir / "initdb"),
                "-D", str(self.data),
                "-U", "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip

    def start(self) -> None:
        # Durability is pointless for a test server; these settings make it several times
        # faster.
        options = (
            f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            [
                *self.prefix,
                str(self.bin_dir / "pg_ctl"),
                "-D", str(self.data),
                "-l", str(self.root / "server.log"),
                "-o", options,
                "-w",
                "-t", "60",
                "start",
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        _wait_ready(self.url)

    def stop(self, mode: str = "immediate") -> None:
        subprocess.run(
            [*self.prefix, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
             "stop"],
            check=False,
            capture_output=True,
        )  # fmt: skip

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield an admin URL of a running server; stop it and delete its files afterwards."""
    existing = os.environ.get("TETHER_TEST_POSTGRES_URL")
    if existing:
        yield existing
        return
    server = PostgresServer()
    try:
        server.start()
        yield server.url
    finally:
        server.close()


def _wait_ready(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def create_database(admin_url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` (optionally from a template) and return its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        suffix = f" TEMPLATE {template}" if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{suffix}')  # type: ignore[arg-type]
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
