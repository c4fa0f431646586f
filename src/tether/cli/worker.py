"""``tether worker``: a Celery worker that runs scans, organization syncs and the schedule."""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer

from tether.cli.context import fail, load_settings
from tether.logs import configure_logging


def worker(
    queues: Annotated[
        str, typer.Option(help="Queues to take tasks from, comma-separated.")
    ] = "scans,org,schedule",
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Pool processes (default: one per CPU).")
    ] = None,
    beat: Annotated[
        bool,
        typer.Option(
            "--beat/--no-beat",
            help="Send the scheduler's ticks from this worker too (safe on every worker: "
            "each scheduled scan is claimed once in the database).",
        ),
    ] = True,
    name: Annotated[str | None, typer.Option(help="Node name (default: tether-PID@HOST).")] = None,
    pool: Annotated[str, typer.Option(help="Celery pool: prefork, threads or solo.")] = "prefork",
) -> None:
    """Run scans on this machine, taking them from the broker (TETHER_BROKER_URL)."""
    from tether.jobs.celery_app import QUEUES, create_celery
    from tether.store.db import Database
    from tether.store.migrate import head_revision

    settings = load_settings()
    if not settings.broker_url:
        fail("TETHER_BROKER_URL is not set: workers take scans from a Redis broker")
    unknown = set(queues.split(",")) - set(QUEUES)
    if unknown:
        fail(f"--queues: unknown queue(s) {', '.join(sorted(unknown))}; known: {', '.join(QUEUES)}")
    configure_logging(settings.log_level)
    # Workers never migrate (several starting at once would race): the API or
    # `tether db upgrade` does, and a worker on an older schema refuses to start.
    db = Database.from_settings(settings)
    try:
        current, head = db.schema_revision(), head_revision()
    finally:
        db.dispose()
    if current != head:
        fail(f"the database schema is at {current}, not {head}: run `tether db upgrade` first")
    node = name or f"tether-{os.getpid()}@{socket.gethostname()}"
    argv = [
        "worker",
        f"--queues={queues}",
        f"--hostname={node}",
        f"--loglevel={settings.log_level}",
        f"--pool={pool}",
        "--without-mingle",  # workers share nothing through the broker but tasks
    ]
    if concurrency is not None:
        argv.append(f"--concurrency={concurrency}")
    if beat:
        argv.append("--beat")
    if settings.scan_nice:
        # Scanning is background work: an API or database on this machine comes first.
        os.nice(settings.scan_nice)
    create_celery(settings).worker_main(argv)
