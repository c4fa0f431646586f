"""``tether bootstrap``, ``tether db ...`` and ``tether config show``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tether.cli.context import load_settings, open_database, print_json, reported_errors

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="The master key that seals secrets at rest.", no_args_is_help=True)
config_app = typer.Typer(help="Effective configuration.", no_args_is_help=True)


def bootstrap(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    rotate: Annotated[
        bool, typer.Option("--rotate", help="Issue a new admin password and API secret.")
    ] = False,
    partner_name: Annotated[str, typer.Option(help="Name of the partner tenant.")] = "Tether",
    admin_user: Annotated[str, typer.Option(help="Username of the admin.")] = "admin",
) -> None:
    """Create the partner tenant, an admin user and an API client (idempotent)."""
    from tether.services.bootstrap import bootstrap as bootstrap_service

    settings = load_settings()
    with reported_errors():
        db = open_database(settings)
        result = bootstrap_service(
            db, partner_name=partner_name, admin_user=admin_user, rotate=rotate
        )
        db.dispose()
    if as_json:
        print_json(result.public())
        return
    for key, value in result.public().items():
        typer.echo(f"{key}: {value}")
    if result.api_secret is None:
        typer.echo("(secret and password are shown only when created; --rotate issues new ones)")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the current schema."""
    settings = load_settings()
    with reported_errors():
        db = open_database(settings)
        typer.echo(f"database at revision {db.schema_revision()} ({db.dialect})")
        db.dispose()


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and of this code."""
    from tether.store.db import Database
    from tether.store.migrate import head_revision

    settings = load_settings()
    with reported_errors():
        db = Database.from_settings(settings)
        typer.echo(f"database: {db.schema_revision()}  code: {head_revision()}")
        db.dispose()


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does.")],
) -> None:
    """For developers: write a migration from the models' difference to the database."""
    from tether.store.migrate import new_revision

    settings = load_settings()
    with reported_errors():
        db = open_database(settings)
        new_revision(db.url, message)
        db.dispose()


@config_app.command("show")
def config_show(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Print the effective settings, secrets masked."""
    shown = load_settings().masked()
    if as_json:
        print_json(shown)
        return
    table = Table("setting", "value", title="Tether configuration")
    for key, value in shown.items():
        table.add_row(key, "" if value is None else str(value))
    Console().print(table)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-wrap every stored secret's data key under a new master key."""
    from tether.services.keys import rotate_master_key

    settings = load_settings()
    with reported_errors():
        db = open_database(settings)
        rotation = rotate_master_key(db, settings)
        db.dispose()
    typer.echo(f"re-wrapped {rotation.rewrapped} secrets under master key {rotation.key_id}")
    if rotation.new_key_text is not None:
        typer.echo(
            "The master key comes from TETHER_MASTER_KEY: set it to this new value before the\n"
            "next start (the old key no longer opens anything):\n" + rotation.new_key_text
        )
