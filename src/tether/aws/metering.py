"""Every AWS request Tether sends passes here: rate-limited, counted and attributed.

botocore emits ``before-send`` before each HTTP attempt (retries included) and
``needs-retry`` after it. Every client Tether builds gets two hooks on them that report to
the ``CallObserver`` the calling thread installed with ``observing()``: a scan unit installs
one that takes a token from its throttling bucket and counts calls and throttles. Outside
any ``observing()`` block (onboarding checks) the hooks only count.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from botocore.client import BaseClient

from tether.aws.errors import THROTTLE_CODES


class CallObserver(Protocol):
    def before_attempt(self, service: str, region: str, operation: str) -> None:
        """Called before every HTTP attempt; may block (a rate limit)."""

    def after_attempt(
        self, service: str, region: str, operation: str, error_code: str | None
    ) -> None:
        """Called after every attempt with AWS's error code, if any."""


class _Context(threading.local):
    observer: CallObserver | None = None


_context = _Context()
_process_observers: list[CallObserver] = []


def watch_process(observer: CallObserver) -> None:
    """An observer of every call of the process (metrics), whatever thread makes it."""
    _process_observers.append(observer)


@contextmanager
def observing(observer: CallObserver) -> Iterator[None]:
    """Report this thread's AWS calls to ``observer`` for the duration of the block."""
    previous = _context.observer
    _context.observer = observer
    try:
        yield
    finally:
        _context.observer = previous


def is_throttle(error_code: str | None) -> bool:
    return error_code in THROTTLE_CODES


def _operation_of(event_name: str) -> str:
    # "before-send.ec2.DescribeInstances" / "needs-retry.ec2.DescribeInstances"
    return event_name.rsplit(".", 1)[-1]


def _error_code(response: Any) -> str | None:
    if not response:
        return None
    http, parsed = response
    if http is not None and getattr(http, "status_code", 200) < 300:
        return None
    code = (parsed or {}).get("Error", {}).get("Code")
    return str(code) if code else None


def instrument(client: BaseClient, service: str) -> BaseClient:
    """Hook ``client`` up to the thread's observer and the process observers."""
    region = client.meta.region_name or "us-east-1"

    def before_send(event_name: str, **_: Any) -> None:
        operation = _operation_of(event_name)
        observer = _context.observer
        if observer is not None:
            observer.before_attempt(service, region, operation)
        for watcher in _process_observers:
            watcher.before_attempt(service, region, operation)

    def needs_retry(event_name: str, response: Any = None, **_: Any) -> None:
        operation = _operation_of(event_name)
        code = _error_code(response)
        observer = _context.observer
        if observer is not None:
            observer.after_attempt(service, region, operation, code)
        for watcher in _process_observers:
            watcher.after_attempt(service, region, operation, code)
        # None: botocore's own retry handler decides.

    client.meta.events.register("before-send", before_send)
    client.meta.events.register("needs-retry", needs_retry)
    return client
