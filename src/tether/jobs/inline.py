"""The default runner: scans run on a thread pool inside the serving process."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor

from tether.errors import ServiceUnavailable
from tether.security.scoping import TenantScope, system_scope
from tether.services.runtime import Runtime
from tether.services.scan_units import collect_pending
from tether.services.scans import finish_if_complete, finish_scan, run_scan
from tether.store.repositories.tenants import TenantDirectory

log = logging.getLogger(__name__)


class InlineRunner:
    def __init__(self, rt: Runtime, max_scans: int = 4) -> None:
        self.rt = rt
        self._pool = ThreadPoolExecutor(max_scans, thread_name_prefix="tether-scan")
        self.futures: dict[str, Future[None]] = {}
        # Scans given up while the database was down, with the reason waiting to be written.
        self.unended: dict[str, str] = {}
        self._stopping = threading.Event()

    def submit(self, tenant_id: str, scan_id: str) -> None:
        self.futures[scan_id] = self._pool.submit(self._run, tenant_id, scan_id, run_scan)

    def resume(self, tenant_id: str, scan_id: str) -> None:
        self.futures[scan_id] = self._pool.submit(self._run, tenant_id, scan_id, _resume)

    def run_here(self, tenant_id: str, scan_id: str, resuming: bool = False) -> None:
        """Run (or resume) a scan on the calling thread, to its end (a scan process does)."""
        self._run(tenant_id, scan_id, _resume if resuming else run_scan)

    def _run(
        self, tenant_id: str, scan_id: str, step: Callable[[Runtime, TenantScope, str], object]
    ) -> None:
        # Tether's own job: the scan was authorised when it was started.
        try:
            with self.rt.db.transaction() as session:
                tenant = TenantDirectory(session).ref(tenant_id)
        except ServiceUnavailable as error:
            log.error("scan %s not run (%s): the stall watchdog will end it", scan_id, error)
            return
        assert tenant is not None
        scope = system_scope(tenant)
        try:
            step(self.rt, scope, scan_id)
        except ServiceUnavailable as error:
            # The units not recorded stay pending: the scan ends failed and resumable.
            log.error("scan %s stopped: %s", scan_id, error.message)
            self._end(scope, scan_id, f"{error.message}: resume it when the database is back")
        except Exception as error:
            # A bug must not leave the scan "running" for ever nor vanish in the pool:
            # the scan ends failed with the error's type, the traceback goes to the log.
            log.exception("scan %s crashed", scan_id)
            self._end(scope, scan_id, f"internal error: {type(error).__name__}")

    def _end(self, scope: TenantScope, scan_id: str, reason: str) -> None:
        """End the scan failed with ``reason``. While the database is down, keep trying (up
        to the stall time) so that the scan records its real cause; the stall watchdog
        leaves a scan alone while this process still holds it."""
        self.unended[scan_id] = reason
        deadline = time.monotonic() + self.rt.settings.scan_stall_seconds
        try:
            while True:
                try:
                    finish_scan(self.rt, scope, scan_id, "failed", reason)
                    return
                except ServiceUnavailable as error:
                    if self._stopping.is_set() or time.monotonic() > deadline:
                        log.error(
                            "scan %s could not be ended (%s): the stall watchdog will end it",
                            scan_id, error.message,
                        )  # fmt: skip
                        return
                    self._stopping.wait(1.0)
        finally:
            self.unended.pop(scan_id, None)

    def held(self, scan_ids: Collection[str]) -> set[str]:
        """The scans this process is running or has queued."""
        return {i for i in scan_ids if i in self.futures and not self.futures[i].done()}

    def wait(self, scan_id: str, timeout: float | None = None) -> None:
        future = self.futures.get(scan_id)
        if future is not None:
            future.result(timeout)

    def shutdown(self) -> None:
        self._stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


def _resume(rt: Runtime, scope: TenantScope, scan_id: str) -> None:
    collect_pending(rt, scope, scan_id)
    finish_if_complete(rt, scope, scan_id)
