"""Secret hygiene, checked for every test: no known secret in logs, API answers, HTML, the
database file or a server's output.

Fixtures and support code register the secrets they make or receive (``known_secrets``):
API secrets and issued tokens, console passwords, the emulator's secret keys and session
tokens. Then:

- logs: a root handler with ``RedactSecrets`` installed, as ``tether serve`` has, keeps
  every record at INFO and above; after each test no known secret may be in them;
- the TestClient (``tests.support.app``) checks every answer's headers and body;
- the SQLite fixture (``tests.support.databases``) checks the database file at teardown;
- ``serving()`` checks the server's output file when the server stops.

Failure messages name a secret by what it is and its last four characters, never whole.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from tether.security.redaction import MIN_SECRET_LENGTH, install

# The one answer that carries a known secret by design: the token grant is the token.
TOKEN_PATH = "/tenancy/auth/oauth/token"
# ``tether serve`` prints the admin password and API secret it creates on a first start,
# once, to its own output (the operator's only chance to see them).
_FIRST_START_LINES = re.compile(r"^ {2}(?:admin login|API secret): .*$", re.MULTILINE)


class SecretLeak(AssertionError):
    """A known secret was found where it must never be."""


class KnownSecrets:
    """The secrets of the test session, with what each is; safe to add to from any thread
    (the fault proxy registers the credentials STS hands out, on its own thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._labels: dict[str, str] = {}
        self._snapshot: tuple[tuple[str, str], ...] = ()

    def add(self, value: str | None, label: str) -> None:
        """Know ``value`` as a secret (ignored when shorter than 8 characters: it would be
        found in ordinary text)."""
        if value is None or len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            if value not in self._labels:
                self._labels[value] = label
                self._snapshot = tuple(self._labels.items())

    def discard(self, value: str) -> None:
        """Forget ``value`` (for a test that makes an ordinary value known for a moment)."""
        with self._lock:
            if self._labels.pop(value, None) is not None:
                self._snapshot = tuple(self._labels.items())

    def __contains__(self, value: object) -> bool:
        return value in self._labels

    def __len__(self) -> int:
        return len(self._snapshot)

    def found_in(self, text: str) -> list[str]:
        """What known secrets ``text`` holds, described without revealing them."""
        return [_describe(value, label) for value, label in self._snapshot if value in text]

    def found_in_bytes(self, data: bytes) -> list[str]:
        return [
            _describe(value, label) for value, label in self._snapshot if value.encode() in data
        ]


def _describe(value: str, label: str) -> str:
    return f"{label} (ending {value[-4:]!r})"


known_secrets = KnownSecrets()


def check_text(text: str, where: str) -> None:
    """Raise ``SecretLeak`` if ``text`` holds a known secret."""
    found = known_secrets.found_in(text)
    if found:
        raise SecretLeak(f"{where} contain(s) {', '.join(found)}")


def check_bytes(data: bytes, where: str) -> None:
    found = known_secrets.found_in_bytes(data)
    if found:
        raise SecretLeak(f"{where} contain(s) {', '.join(found)}")


def check_response(response: httpx.Response) -> None:
    """An answer of the app: its headers and its body (read here) hold no known secret.
    The token grant's answer is exempt (see ``TOKEN_PATH``)."""
    request = response.request
    if request.method == "POST" and request.url.path == TOKEN_PATH:
        return
    where = f"the answer to {request.method} {request.url.path} ({response.status_code})"
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.multi_items())
    check_text(headers, f"the headers of {where}")
    check_bytes(response.read(), f"the body of {where}")


def check_server_output(path: Path) -> None:
    """A ``tether serve`` output file, except the lines of its first-start announcement."""
    if path.exists():
        text = _FIRST_START_LINES.sub("", path.read_text(errors="replace"))
        check_text(text, f"the server output {path.name}")


def check_database_files(path: Path) -> None:
    """A SQLite database file and its write-ahead log: every table, index and free page."""
    for part in (path, path.with_name(path.name + "-wal")):
        if part.exists():
            check_bytes(part.read_bytes(), f"the database file {part.name}")


class CapturedLogs(logging.Handler):
    """Every record that reaches the root logger, formatted once, after ``RedactSecrets``
    rewrote it as it does for ``tether serve``'s handler."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        install(self)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def check(self) -> None:
        check_text("\n".join(self.lines), "the logs")


@pytest.fixture(autouse=True)
def secret_hygiene_of_logs() -> Iterator[CapturedLogs]:
    """Capture the test's logs (its fixtures' too) at INFO and above; none may hold a known
    secret. The handler goes first, so the records pytest shows on a failure are redacted
    as well."""
    root = logging.getLogger()
    captured = CapturedLogs()
    level = root.level
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    root.handlers.insert(0, captured)
    try:
        yield captured
    finally:
        root.removeHandler(captured)
        root.setLevel(level)
    captured.check()
