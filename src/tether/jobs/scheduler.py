"""Scheduled discovery: start the scans that discovery profiles' schedules say are due.

Every tick looks at all tenants. Each due profile is claimed with one conditional UPDATE
(``next_run_at`` moves from the value seen to the first run after now), so of several
Tether processes only one starts a given run, and runs missed while Tether was down
produce one catch-up scan, not one per missed slot. Several due profiles of one
integration start one scan: a scan always runs with all of its integration's profiles.

In ``tether serve``::

    stop = threading.Event()
    thread = threading.Thread(
        target=Scheduler(db, stall_seconds=900).run_forever, args=(stop, 30.0),
        name="scheduler", daemon=True,
    )
    thread.start()
    ...
    stop.set(); thread.join()
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from tether.domain.profiles import Schedule, next_run
from tether.errors import TetherError
from tether.security.scoping import TenantScope, system_scope
from tether.services.profiles import ScanStarter, default_scan_starter
from tether.store.db import Database
from tether.store.models import Scan
from tether.store.repositories.profiles import DueRun, ProfileRepository, ScheduleDirectory
from tether.store.repositories.tenants import TenantDirectory
from tether.store.types import utcnow

log = logging.getLogger(__name__)

TRIGGER = "schedule"
# Which of these scans the runner still has work for (queued behind others, running).
Held = Callable[[Collection[str]], set[str]]
REQUESTED_BY = "scheduler"


@dataclass(frozen=True, slots=True)
class _Claim:
    run: DueRun
    next_at: datetime | None


class Scheduler:
    def __init__(
        self,
        db: Database,
        start_scan: ScanStarter | None = None,
        batch_size: int = 1000,
        stall_seconds: float | None = None,
        held: Held | None = None,
    ) -> None:
        self.db = db
        self._start_scan = start_scan
        self.batch_size = batch_size
        self.stall_seconds = stall_seconds
        self.held = held

    def run_once(self, now: datetime | None = None) -> list[Scan]:
        """One tick: end stalled scans (they would hold back new ones), then start the due."""
        if self.stall_seconds is not None:
            from tether.services.scan_watch import end_stalled_scans  # brings boto

            end_stalled_scans(self.db, self.stall_seconds, now, self.held)
        return self.tick(now)

    def tick(self, now: datetime | None = None) -> list[Scan]:
        """Start the scans due at ``now`` (default: the current time); return them.

        At most ``batch_size`` due profiles are handled; the rest wait for the next tick.
        """
        now = now or utcnow()
        started: list[Scan] = []
        for scope, claims in self._due(now):
            if not self._claim(scope, claims, now):
                continue  # another scheduler got there first
            integration_id = claims[0].run.integration_id
            try:
                scan = self._starter()(self.db, scope, integration_id, TRIGGER, REQUESTED_BY)
            except TetherError as exc:
                # This run is spent (claimed); the schedule's next one tries again.
                log.error(
                    "scheduled scan of %s (tenant %s) not started: %s (%s)",
                    integration_id,
                    scope.tenant_id,
                    exc.message,
                    exc.code,
                )
                continue
            log.info("scheduled scan %s of %s started", scan.id, integration_id)
            started.append(scan)
        return started

    def run_forever(self, stop_event: threading.Event, interval: float = 30.0) -> None:
        """Tick every ``interval`` seconds until ``stop_event`` is set."""
        while not stop_event.is_set():
            try:
                self.run_once()
            except Exception:  # logged in full: the thread must keep ticking
                log.exception("scheduler tick failed; retrying in %.0f s", interval)
            stop_event.wait(interval)

    def _starter(self) -> ScanStarter:
        if self._start_scan is None:
            self._start_scan = default_scan_starter()
        return self._start_scan

    def _due(self, now: datetime) -> list[tuple[TenantScope, list[_Claim]]]:
        """Due runs grouped by integration, with their tenant's scope and where each moves."""
        with self.db.transaction() as session:
            due = ScheduleDirectory(session).due(now, self.batch_size)
            grouped: dict[tuple[str, str], list[DueRun]] = defaultdict(list)
            for run in due:
                grouped[(run.tenant_id, run.integration_id)].append(run)
            found: list[tuple[TenantScope, list[_Claim]]] = []
            for (tenant_id, _integration), runs in grouped.items():
                ref = TenantDirectory(session).ref(tenant_id)
                assert ref is not None, "a profile's tenant exists (foreign key)"
                # Tether's own job: it acts for each tenant in turn, as the system.
                scope = system_scope(ref)
                repo = ProfileRepository(session, scope)
                claims = []
                for run in sorted(runs, key=lambda r: r.profile_id):
                    profile = repo.find(run.profile_id)
                    if profile is None:
                        continue  # deleted since the look-up
                    schedule = (
                        Schedule.model_validate(profile.schedule) if profile.schedule else None
                    )
                    following = next_run(schedule, now) if schedule is not None else None
                    claims.append(_Claim(run, following))
                if claims:
                    found.append((scope, claims))
        return found

    def _claim(self, scope: TenantScope, claims: list[_Claim], now: datetime) -> bool:
        """Claim an integration's due runs in one transaction, in profile id order.

        Two schedulers meeting on the same rows then wait for each other rather than each
        claiming some, which would start two scans of one integration.
        """
        claimed = False
        with self.db.transaction() as session:
            repo = ProfileRepository(session, scope)
            for claim in claims:
                run = claim.run
                claimed |= repo.claim(run.profile_id, run.next_run_at, claim.next_at, now)
        return claimed
