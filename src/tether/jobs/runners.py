"""Which runner a process hands its scans to: Celery workers when a broker is configured,
else child processes (``TETHER_SCAN_PROCESSES``) or threads of this process."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from tether.services.runtime import Runtime
from tether.services.scans import ScanRunner


class OwnedRunner(ScanRunner, Protocol):
    def held(self, scan_ids: Collection[str]) -> set[str]:
        """Those of ``scan_ids`` the runner still has work for (queued or running)."""

    def shutdown(self) -> None: ...


def scan_runner(rt: Runtime) -> OwnedRunner:
    if rt.settings.broker_url:
        from tether.jobs.celery_app import create_celery
        from tether.jobs.tasks import CeleryRunner

        return CeleryRunner(create_celery(rt.settings))
    if rt.settings.scan_processes:
        from tether.jobs.processes import ProcessRunner

        return ProcessRunner(rt.settings, rt.settings.scan_processes)
    from tether.jobs.inline import InlineRunner

    return InlineRunner(rt)
