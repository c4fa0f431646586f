"""The ``tether`` command: one sub-command per task, one module per group."""

from __future__ import annotations

import typer

import tether
from tether.cli import admin, integrations, policy, profiles, resources, scan, serve, worker

app = typer.Typer(
    name="tether",
    help="Connect many AWS accounts to an operations team and know what runs in them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
app.command()(serve.serve)
app.command()(admin.bootstrap)
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.config_app, name="config")
app.add_typer(admin.keys_app, name="keys")
app.add_typer(policy.policy_app, name="policy")
app.command("scan")(scan.scan)
app.command("worker")(worker.worker)
app.add_typer(integrations.integrations_app, name="integrations")
app.add_typer(profiles.profiles_app, name="profiles")
app.add_typer(resources.resources_app, name="resources")


@app.command()
def version() -> None:
    """Print Tether's version."""
    typer.echo(tether.__version__)
