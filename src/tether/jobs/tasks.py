"""The Celery tasks: thin, ids only, each one step of ``tether.services.scans``.

A scan is ``tether.org.sync`` then ``tether.scan.begin`` (claim and plan), which fans the
scan out as one ``tether.scan.collect`` per region (the account is the scan's: chunks are
account by region). The last chunk to finish ends the scan. ``tether.schedule.tick`` starts
the scheduled scans (claimed once in the database, however many workers tick) and ends
scans that stalled.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from celery import Celery, Task, signals

from tether.config import Settings
from tether.errors import ServiceUnavailable
from tether.security.scoping import TenantScope, system_scope
from tether.services.runtime import Runtime
from tether.store.repositories.tenants import TenantDirectory

log = logging.getLogger(__name__)
T = TypeVar("T")


def _task(app: Celery, name: str) -> Callable[[Callable[..., None]], Task[Any, Any]]:
    """A task whose step waits out a database that is down (restarting): retried with
    backoff (1 s doubling up to 30 s) for over an hour."""
    return app.task(
        name=name,
        shared=False,  # this app's own: a process may hold several apps (tests)
        autoretry_for=(ServiceUnavailable,),
        retry_backoff=1,
        retry_backoff_max=30,
        retry_jitter=True,
        max_retries=150,
    )


class WorkerContext:
    """What the tasks of one worker process share, created on first use in that process
    (after the fork): database pool, secret box, AWS sessions, the shared rate limiter."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._runtime: Runtime | None = None
        self._lock = threading.Lock()
        self.stop_metrics: Callable[[], None] = lambda: None

    def runtime(self) -> Runtime:
        with self._lock:
            if self._runtime is None:
                from tether.services.keys import load_secret_box
                from tether.store.db import Database

                db = Database.from_settings(self.settings)
                self._runtime = Runtime.create(self.settings, db, load_secret_box(self.settings))
            return self._runtime

    def reset(self) -> None:
        """Forget the parent's runtime in a new pool process (sockets don't survive fork)."""
        with self._lock:
            self._runtime = None

    def scope(self, tenant_id: str) -> TenantScope | None:
        with self.runtime().db.transaction() as session:
            ref = TenantDirectory(session).ref(tenant_id)
        if ref is None:
            log.warning("tenant %s is gone: its task is dropped", tenant_id)
            return None
        # Tether's own job: the scan was authorised when it was started.
        return system_scope(ref)

    def step(
        self,
        tenant_id: str,
        scan_id: str,
        run: Callable[[Runtime, TenantScope, str], T],
    ) -> T | None:
        """Run one step of a scan; a defect ends the scan failed (resumable) with the
        error's type, and the traceback goes to the log. A database outage is retried."""
        from tether.services.scans import finish_scan

        scope = self.scope(tenant_id)
        if scope is None:
            return None
        rt = self.runtime()
        try:
            return run(rt, scope, scan_id)
        except ServiceUnavailable:
            raise
        except Exception as error:
            log.exception("scan %s: step %s crashed", scan_id, getattr(run, "__name__", run))
            finish_scan(rt, scope, scan_id, "failed", f"internal error: {type(error).__name__}")
            return None


def register_tasks(app: Celery, settings: Settings) -> None:
    from tether.services import scans
    from tether.services.scan_units import collect_pending

    context = WorkerContext(settings)
    app.tether_context = context  # type: ignore[attr-defined]
    runner = CeleryRunner(app)

    @_task(app, "tether.org.sync")
    def org_sync(tenant_id: str, scan_id: str) -> None:
        context.step(tenant_id, scan_id, scans.sync_organization)

    @_task(app, "tether.scan.begin")
    def begin(tenant_id: str, scan_id: str) -> None:
        for region in context.step(tenant_id, scan_id, scans.begin_scan) or []:
            collect.delay(tenant_id, scan_id, region)

    @_task(app, "tether.scan.collect")
    def collect(tenant_id: str, scan_id: str, region: str) -> None:
        def chunk(rt: Runtime, scope: TenantScope, scan_id: str) -> None:
            collect_pending(rt, scope, scan_id, {region})
            scans.finish_if_complete(rt, scope, scan_id)

        context.step(tenant_id, scan_id, chunk)

    @_task(app, "tether.scan.resume")
    def resume(tenant_id: str, scan_id: str) -> None:
        regions = context.step(tenant_id, scan_id, scans.pending_regions) or []
        for region in regions:
            collect.delay(tenant_id, scan_id, region)
        if not regions:  # nothing left: the scan only needs its end
            context.step(tenant_id, scan_id, scans.finish_if_complete)

    # Not retried: the next tick comes anyway (a retry per tick would pile up while the
    # database is down).
    @app.task(name="tether.schedule.tick", shared=False)
    def tick() -> None:
        from tether.jobs.scheduler import Scheduler

        rt = context.runtime()
        scheduler = Scheduler(rt.db, stall_seconds=settings.scan_stall_seconds, held=runner.held)
        try:
            scheduler.run_once()
        except ServiceUnavailable as error:
            log.warning("scheduler tick skipped: %s", error.message)

    @signals.worker_process_init.connect(weak=False)
    def _pool_process_started(**_: Any) -> None:
        context.reset()
        scans.use_runner(runner)
        context.stop_metrics = _publish_metrics(settings)

    @signals.worker_process_shutdown.connect(weak=False)
    def _pool_process_stopping(**_: Any) -> None:
        # Its counts join the stopped processes' totals: /metrics sums never go down.
        context.stop_metrics()

    @signals.worker_init.connect(weak=False)
    def _worker_started(**_: Any) -> None:
        # Scans that tasks start (the scheduler's) go to the workers too; in the solo or
        # threads pool this is the process that runs them.
        scans.use_runner(runner)


def _publish_metrics(settings: Settings) -> Callable[[], None]:
    """This pool process's counters, published to Redis for the API's /metrics."""
    from tether.metrics_shared import process_name, start_metrics_publisher

    assert settings.broker_url is not None
    return start_metrics_publisher(settings.broker_url, process_name("worker"))


class CeleryRunner:
    """Scans go to the workers: a scan is org sync then begin; a resume re-sends chunks."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def submit(self, tenant_id: str, scan_id: str) -> None:
        first = self.app.signature("tether.org.sync", (tenant_id, scan_id), immutable=True)
        then = self.app.signature("tether.scan.begin", (tenant_id, scan_id), immutable=True)
        (first | then).apply_async()

    def resume(self, tenant_id: str, scan_id: str) -> None:
        self.app.send_task("tether.scan.resume", (tenant_id, scan_id))

    def held(self, scan_ids: Collection[str]) -> set[str]:
        from tether.jobs.broker_view import held_scans

        url = self.app.conf.broker_url
        assert isinstance(url, str)
        return held_scans(url, scan_ids)

    def shutdown(self) -> None:
        """Nothing runs here; the broker connection pool is closed with the app."""
        self.app.close()
