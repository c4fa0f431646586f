"""``tether scan INTEGRATION [--wait]``: scan now, with live progress when asked."""

from __future__ import annotations

import threading
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

from tether.cli.context import client_runtime, report_scan, run_scan_here
from tether.cli.integrations import AsJson, IntegrationArg, Tenant
from tether.store.models import Scan

if TYPE_CHECKING:
    from tether.store.db import Database

Wait = Annotated[
    bool, typer.Option("--wait", help="Show live progress (units, API calls, throttles).")
]
POLL_SECONDS = 0.25


def scan(
    integration: IntegrationArg, tenant: Tenant, wait: Wait = False, as_json: AsJson = False
) -> None:
    """Scan an integration now, in this process; print the result."""
    from tether.services.scans import start_scan

    with client_runtime(tenant) as (rt, scope):
        queued = start_scan(rt.db, scope, integration, "manual", "cli")
        if not wait or as_json:
            done = run_scan_here(rt, scope, queued.id)
        else:
            done = _with_progress(lambda: run_scan_here(rt, scope, queued.id), rt.db, queued.id)
    report_scan(done, as_json)


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
    columns = (
        TextColumn("[bold]scan[/bold] {task.fields[status]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("units · {task.fields[calls]} calls · {task.fields[throttles]} throttles · "
                   "{task.fields[found]} resources"),
        TimeElapsedColumn(),
    )  # fmt: skip
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task("scan", total=None, status="queued", calls=0, throttles=0, found=0)
        while worker.is_alive():
            with db.transaction() as session:
                row = session.get(Scan, scan_id)
                assert row is not None
                _draw(progress, task, row)
            worker.join(POLL_SECONDS)
        if "scan" in result:
            _draw(progress, task, result["scan"])
    if "error" in result:
        raise result["error"]
    scan_row: Scan = result["scan"]
    return scan_row
