"""The default runner: scans run on a thread pool inside the serving process."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from tether.security.scoping import system_scope
from tether.services.runtime import Runtime
from tether.services.scans import finish_scan, run_scan
from tether.store.repositories.tenants import TenantDirectory

log = logging.getLogger(__name__)


class InlineRunner:
    def __init__(self, rt: Runtime, max_scans: int = 4) -> None:
        self.rt = rt
        self._pool = ThreadPoolExecutor(max_scans, thread_name_prefix="tether-scan")
        self.futures: dict[str, Future[None]] = {}

    def submit(self, tenant_id: str, scan_id: str) -> None:
        self.futures[scan_id] = self._pool.submit(self._run, tenant_id, scan_id)

    def _run(self, tenant_id: str, scan_id: str) -> None:
        # Tether's own job: the scan was authorised when it was started.
        with self.rt.db.transaction() as session:
            tenant = TenantDirectory(session).ref(tenant_id)
        assert tenant is not None
        scope = system_scope(tenant)
        try:
            run_scan(self.rt, scope, scan_id)
        except Exception as error:
            # A bug must not leave the scan "running" for ever nor vanish in the pool:
            # the scan ends failed with the error's type, the traceback goes to the log.
            log.exception("scan %s crashed", scan_id)
            finish_scan(
                self.rt, scope, scan_id, "failed", f"internal error: {type(error).__name__}"
            )

    def wait(self, scan_id: str, timeout: float | None = None) -> None:
        future = self.futures.get(scan_id)
        if future is not None:
            future.result(timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
