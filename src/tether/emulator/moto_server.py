"""moto in server mode, as a separate process on a free local port.

A separate process keeps moto's request handling off the test process's GIL. The server
never gets MOTO_ACCOUNT_ID: with it set, moto folds every account into one.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

_START_ATTEMPTS = 3


class MotoServerError(RuntimeError):
    """moto did not start, or did not answer a control request."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (another process may still take it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _request(endpoint_url: str, method: str, path: str, timeout: float) -> tuple[int, bytes]:
    url = urllib.parse.urlsplit(endpoint_url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=timeout)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def reset_moto(endpoint_url: str) -> None:
    """Drop every resource in every account of a running moto (POST /moto-api/reset)."""
    status, body = _request(endpoint_url, "POST", "/moto-api/reset", timeout=30.0)
    if status != 200:
        raise MotoServerError(f"moto reset answered HTTP {status}: {body[:200]!r}")


class MotoServer:
    """One moto server process. Use as a context manager, or call `start()` and `stop()`."""

    def __init__(
        self, host: str = "127.0.0.1", port: int | None = None, startup_timeout: float = 30.0
    ) -> None:
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None

    @property
    def endpoint_url(self) -> str:
        if self._port is None:
            raise MotoServerError("moto is not started")
        return f"http://{self.host}:{self._port}"

    @property
    def log_path(self) -> Path | None:
        """moto's stdout and stderr, kept while the server runs."""
        return self._log_path

    def start(self) -> MotoServer:
        if self._process is not None:
            raise MotoServerError("moto is already started")
        attempts = 1 if self._requested_port else _START_ATTEMPTS
        for attempt in range(1, attempts + 1):
            try:
                self._launch(self._requested_port or free_port(self.host))
                return self
            except MotoServerError:
                self.stop()
                # A free port can be taken between choosing and binding it: try another.
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    def _launch(self, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if k != "MOTO_ACCOUNT_ID"}
        descriptor, log_name = tempfile.mkstemp(prefix="moto-", suffix=".log")
        self._log_path = Path(log_name)
        # A signal handled between the fork and this assignment would leave moto running
        # unknown to stop(): its handling waits until the process is recorded.
        with os.fdopen(descriptor, "wb") as log, _signals_deferred():
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [sys.executable, "-m", "moto.server", "-H", self.host, "-p", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
            )
        self._port = port
        self._wait_until_answering()

    def _wait_until_answering(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise MotoServerError(
                    f"moto exited with {self._process.returncode}: {self._log_tail()}"
                )
            try:
                _request(self.endpoint_url, "GET", "/moto-api/", timeout=1.0)
                return
            except OSError:
                time.sleep(0.05)
        raise MotoServerError(f"moto did not answer within {self._startup_timeout} s")

    def _log_tail(self) -> str:
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text(errors="replace")[-2000:]

    def reset(self) -> None:
        reset_moto(self.endpoint_url)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log_path is not None:
            self._log_path.unlink(missing_ok=True)
            self._log_path = None
        self._port = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@contextmanager
def running_moto_server(host: str = "127.0.0.1", port: int | None = None) -> Iterator[MotoServer]:
    """A started moto server, stopped on exit."""
    server = MotoServer(host, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM received in the block are raised again, to their own handlers,
    when it ends (in the main thread; elsewhere Python delivers no signal anyway)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    kept = {
        signum: handler
        for signum in (signal.SIGINT, signal.SIGTERM)
        if (handler := signal.getsignal(signum)) is not None  # None: not set from Python
    }
    for signum in kept:
        signal.signal(signum, lambda number, _frame: received.append(number))
    try:
        yield
    finally:
        for signum, handler in kept.items():
            signal.signal(signum, handler)
        for number in received:
            signal.raise_signal(number)
