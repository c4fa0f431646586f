"""What every command needs: settings, the database at the current schema, error output."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from tether.config import Settings
from tether.errors import TetherError

if TYPE_CHECKING:
    from tether.security.scoping import TenantScope
    from tether.services.runtime import Runtime
    from tether.store.db import Database
    from tether.store.models import Scan

err_console = Console(stderr=True, soft_wrap=True)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"TETHER_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        fail(f"invalid configuration: {problems}")
    except FileNotFoundError as exc:
        fail(str(exc))


def open_database(settings: Settings) -> Database:
    """The database, created and migrated to the current schema."""
    from tether.store.db import Database
    from tether.store.migrate import upgrade

    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    db = Database.from_settings(settings)
    upgrade(db.engine)
    return db


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn Tether's errors into one line on stderr and a non-zero exit."""
    try:
        yield
    except TetherError as exc:
        fail(f"{exc.message} ({exc.code})")


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, sort_keys=True))


@contextmanager
def client_runtime(tenant_id: str) -> Iterator[tuple[Runtime, TenantScope]]:
    """The process runtime and a system scope of one tenant, for commands acting as Tether
    itself: whoever can run them can read the database anyway."""
    from tether.errors import NotFound
    from tether.security.scoping import system_scope
    from tether.services.keys import load_secret_box
    from tether.services.runtime import Runtime
    from tether.store.repositories.tenants import TenantDirectory

    settings = load_settings()
    with reported_errors():
        db = open_database(settings)
        try:
            with db.transaction() as session:
                ref = TenantDirectory(session).ref(tenant_id)
            if ref is None:
                raise NotFound(f"tenant {tenant_id} not found", code="tenant_not_found")
            yield Runtime.create(settings, db, load_secret_box(settings)), system_scope(ref)
        finally:
            db.dispose()


def run_scan_here(
    rt: Runtime,
    scope: TenantScope,
    scan_id: str,
    run: Callable[[Runtime, TenantScope, str], Scan] | None = None,
) -> Scan:
    """Run a scan (default: from its start) in this process. If it is interrupted (Ctrl-C),
    it ends failed rather than "running" for ever, and can be resumed."""
    from tether.services.scans import finish_scan, run_scan

    try:
        return (run or run_scan)(rt, scope, scan_id)
    except BaseException as error:
        finish_scan(rt, scope, scan_id, "failed", f"stopped: {type(error).__name__}")
        raise


def report_scan(done: Scan, as_json: bool, **extra: Any) -> NoReturn:
    """Print a finished scan (``extra`` first in JSON) and exit 0 if it collected anything."""
    if as_json:
        print_json(
            {
                **extra,
                "scanId": done.id,
                "installedIntegrationId": done.integration_id,
                "scanStatus": done.status,
                "unitsTotal": done.units_total,
                "resourcesFound": done.resources_found,
                "apiCalls": done.api_calls,
                "error": done.error,
            }
        )
    else:
        typer.echo(
            f"scan {done.id} of {done.integration_id}: {done.status}, "
            f"{done.resources_found} resources, {done.units_total} units, "
            f"{done.api_calls} API calls"
        )
        if done.error:
            typer.echo(f"error: {done.error}")
    raise typer.Exit(0 if done.status in ("ok", "partial") else 1)
