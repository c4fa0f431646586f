"""A throwaway redis-server for the test session, from Debian's redis-server package.

``TETHER_TEST_REDIS_URL`` uses an existing server instead (tests that restart Redis are
then skipped: they need a server of their own). The server keeps nothing on disk unless
asked (``appendonly``), like a cache; ``restart()`` stops it and starts it again on the
same port, which is how the fault tests lose the broker mid-scan.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process on 127.0.0.1; ``url`` names database 0."""

    def __init__(self, appendonly: bool = False) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "redis-server is not installed: run `make test` (it installs Debian's "
                "redis-server) or set TETHER_TEST_REDIS_URL"
            )
        self.binary = binary
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tether-redis-"))
        self.appendonly = appendonly
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.root),
            "--save", "",
            "--appendonly", "yes" if self.appendonly else "no",
            "--daemonize", "no",
            "--logfile", str(self.root / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        self._wait_ready()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.process is not None and self.process.poll() is not None:
                    log = (self.root / "redis.log").read_text(errors="replace")
                    raise RuntimeError(f"redis-server exited: {log[-2000:]}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                client.close()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis server shared by the session; each test takes its own database number or
    key prefix, or flushes what it wrote."""
    existing = os.environ.get("TETHER_TEST_REDIS_URL")
    if existing:
        yield existing
        return
    server = RedisServer()
    server.start()
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis server of the test's own, which it may stop and restart."""
    if os.environ.get("TETHER_TEST_REDIS_URL"):
        pytest.skip("needs a redis-server of its own (TETHER_TEST_REDIS_URL is set)")
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()
