"""Scans in child processes of the serving process (``TETHER_SCAN_PROCESSES`` > 0, no broker).

Threads of ``tether serve`` share one interpreter lock with the API: a scan that keeps a core
busy parsing AWS's answers also delays every search. Each child here has its own interpreter,
runs at ``TETHER_SCAN_NICE`` (the API comes first when both want a core) and runs one scan at
a time exactly as the threaded runner does, units on ``TETHER_SCAN_CONCURRENCY`` threads.

Rate-limit budgets are per process: one scan (one account) runs in one child, and AWS's
buckets are per account, so children do not share a bucket unless two integrations of one
account scan at once. A broker (``tether worker``) shares them through Redis.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Collection
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from tether.config import Settings

if TYPE_CHECKING:
    from tether.jobs.inline import InlineRunner

log = logging.getLogger(__name__)


class ProcessRunner:
    def __init__(self, settings: Settings, processes: int) -> None:
        self.settings = settings
        self.processes = processes
        self.futures: dict[str, Future[int]] = {}
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn: a fresh interpreter, no copy of the parent's threads, locks or connections.
        return ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_child,
            initargs=(self.settings,),
        )

    def submit(self, tenant_id: str, scan_id: str) -> None:
        self._send(tenant_id, scan_id, resuming=False)

    def resume(self, tenant_id: str, scan_id: str) -> None:
        self._send(tenant_id, scan_id, resuming=True)

    def _send(self, tenant_id: str, scan_id: str, resuming: bool) -> None:
        with self._lock:
            try:
                future = self._pool.submit(run_in_child, tenant_id, scan_id, resuming)
            except BrokenProcessPool:
                # A child died (killed, out of memory): the pool refuses all work from then
                # on. The scans it held stay unheld, so the stall watchdog ends them
                # resumable; new work gets a new pool.
                log.error("a scan process died: starting new ones")
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                future = self._pool.submit(run_in_child, tenant_id, scan_id, resuming)
            self.futures[scan_id] = future

    def held(self, scan_ids: Collection[str]) -> set[str]:
        """The scans a child is running or that wait for one."""
        return {i for i in scan_ids if i in self.futures and not self.futures[i].done()}

    def wait(self, scan_id: str, timeout: float | None = None) -> int | None:
        """Wait for a scan's child to be done with it; the child's process id."""
        future = self.futures.get(scan_id)
        return None if future is None else future.result(timeout)

    def shutdown(self) -> None:
        # As the threaded runner: scans running finish, those waiting stay queued in the
        # database (the stall watchdog or a resume picks them up).
        self._pool.shutdown(wait=True, cancel_futures=True)


# --- in the child ------------------------------------------------------------------------

_child_runner: InlineRunner | None = None  # made by the pool's initializer


def _start_child(settings: Settings) -> None:
    global _child_runner
    from tether.jobs.inline import InlineRunner
    from tether.logs import configure_logging
    from tether.services.keys import load_secret_box
    from tether.services.runtime import Runtime
    from tether.store.db import Database

    if settings.scan_nice:
        os.nice(settings.scan_nice)
    configure_logging(settings.log_level)
    db = Database.from_settings(settings)
    _child_runner = InlineRunner(Runtime.create(settings, db, load_secret_box(settings)))


def run_in_child(tenant_id: str, scan_id: str, resuming: bool) -> int:
    """Run (or resume) one scan here, to its end; this process's id."""
    assert _child_runner is not None, "the pool's initializer made the runner"
    _child_runner.run_here(tenant_id, scan_id, resuming)
    return os.getpid()
