"""``tether scan INTEGRATION [--wait]``: scan now, with live progress when asked;
``tether scan resume SCAN_ID``: finish a scan that ended failed with units never collected.

With ``TETHER_BROKER_URL`` set, the scan runs on the workers and this command watches it;
otherwise it runs in this process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from tether.cli.context import client_runtime, fail, report_scan, run_scan_here
from tether.cli.integrations import AsJson, Tenant
from tether.store.models import Scan

if TYPE_CHECKING:
    from tether.security.scoping import TenantScope
    from tether.services.runtime import Runtime
    from tether.store.db import Database

Wait = Annotated[
    bool, typer.Option("--wait", help="Show live progress (units, API calls, throttles).")
]
Target = Annotated[
    str,
    typer.Argument(
        metavar="INTEGRATION|resume",
        help="The integration to scan (INTG-...), or `resume` and a failed scan's id.",
    ),
]
ScanIdArg = Annotated[
    str | None, typer.Argument(metavar="SCAN_ID", hidden=True, show_default=False)
]
POLL_SECONDS = 0.25
RESUME = "resume"


def scan(
    target: Target,
    tenant: Tenant,
    scan_id: ScanIdArg = None,
    wait: Wait = False,
    as_json: AsJson = False,
) -> None:
    """Scan an integration now (on the workers when a broker is set, else in this process),
    or resume a failed scan; print the result."""
    from tether.services.scans import resume_scan, start_scan

    if target == RESUME and scan_id is None:
        fail("`tether scan resume` needs the scan's id")
    if target != RESUME and scan_id is not None:
        fail(f"unexpected argument {scan_id!r}: `tether scan INTEGRATION` or `resume SCAN_ID`")
    with client_runtime(tenant) as (rt, scope):
        on_workers = _use_workers(rt)
        if target == RESUME:
            assert scan_id is not None
            started = resume_scan(rt.db, scope, scan_id)
        else:
            started = start_scan(rt.db, scope, target, "manual", "cli")
        if on_workers:
            done = _watch(rt.db, started.id, wait and not as_json, finished=wait or as_json)
        else:
            run = _run_here(rt, scope, started, resumed=target == RESUME)
            done = _with_progress(run, rt.db, started.id) if wait and not as_json else run()
    if done.status in ("queued", "running"):
        typer.echo(f"scan {done.id} of {done.integration_id} is {done.status} on the workers")
        raise typer.Exit(0)
    report_scan(done, as_json)


def _use_workers(rt: Runtime) -> bool:
    """Hand scans to the workers when a broker is configured."""
    if not rt.settings.broker_url:
        return False
    from tether.jobs.runners import scan_runner
    from tether.services.scans import use_runner

    use_runner(scan_runner(rt))
    return True


def _run_here(rt: Runtime, scope: TenantScope, started: Scan, resumed: bool) -> Callable[[], Scan]:
    from tether.services.scan_units import collect_pending
    from tether.services.scans import finish_if_complete

    def resume() -> Scan:
        def run(rt: Runtime, scope: TenantScope, scan_id: str) -> Scan:
            collect_pending(rt, scope, scan_id)
            finish_if_complete(rt, scope, scan_id)
            return _row(rt.db, scan_id)

        return run_scan_here(rt, scope, started.id, run)

    if resumed and started.status == "running":
        return resume
    return lambda: run_scan_here(rt, scope, started.id)


def _row(db: Database, scan_id: str) -> Scan:
    with db.transaction() as session:
        row = session.get(Scan, scan_id)
        assert row is not None
        return row


def _draw(progress: Progress, task: TaskID, scan: Scan) -> None:
    progress.update(
        task,
        total=scan.units_total or None,
        completed=scan.units_done,
        status=scan.status,
        calls=scan.api_calls,
        throttles=scan.throttles,
        found=scan.resources_found,
    )


def _progress() -> Progress:
    columns = (
        TextColumn("[bold]scan[/bold] {task.fields[status]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("units · {task.fields[calls]} calls · {task.fields[throttles]} throttles · "
                   "{task.fields[found]} resources"),
        TimeElapsedColumn(),
    )  # fmt: skip
    return Progress(*columns, console=Console(stderr=True))


def _watch(db: Database, scan_id: str, draw: bool, finished: bool) -> Scan:
    """The scan as the workers record it; with ``finished``, once it has ended."""
    row = _row(db, scan_id)
    if not finished:
        return row
    with _progress() as progress:
        task = progress.add_task("scan", total=None, status="queued", calls=0, throttles=0, found=0)
        progress.disable = not draw
        while row.status in ("queued", "running"):
            _draw(progress, task, row)
            time.sleep(POLL_SECONDS)
            row = _row(db, scan_id)
        _draw(progress, task, row)
    return row


def _with_progress(run: Callable[[], Scan], db: Database, scan_id: str) -> Scan:
    """Run the scan in a thread and draw its counters from the database until it ends."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["scan"] = run()
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
            result["error"] = error

    worker = threading.Thread(target=target, name=f"scan-{scan_id[:8]}", daemon=True)
    worker.start()
    with _progress() as progress:
        task = progress.add_task("scan", total=None, status="queued", calls=0, throttles=0, found=0)
        while worker.is_alive():
            _draw(progress, task, _row(db, scan_id))
            worker.join(POLL_SECONDS)
        if "scan" in result:
            _draw(progress, task, result["scan"])
    if "error" in result:
        raise result["error"]
    scan_row: Scan = result["scan"]
    return scan_row
