"""``tether profiles ...``: a client's discovery profiles, acting as the system.

Whoever can run the command can read the database, so it acts as Tether itself, scoped to
the client tenant given with ``--tenant``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from tether.cli.context import client_runtime, fail, print_json, report_scan, run_scan_here

if TYPE_CHECKING:
    from tether.domain.profiles import ProfileDocument

profiles_app = typer.Typer(
    help="Discovery profiles of a client's integrations.", no_args_is_help=True
)
console = Console()

Tenant = Annotated[str, typer.Option("--tenant", help="The client tenant (client_...).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ProfileId = Annotated[int, typer.Argument(help="The profile's id.", min=1)]


def _when(document: ProfileDocument) -> str:
    schedule = document.schedule
    if schedule is None:
        return "-"
    pattern = f" {schedule.pattern}" if schedule.pattern else ""
    return f"{schedule.patternType.value}{pattern} at {schedule.startTime} UTC"


def _print_table(documents: list[ProfileDocument]) -> None:
    table = Table("id", "name", "integration", "schedule", "next run (UTC)", title="Profiles")
    for document in documents:
        next_run = document.nextRunTime.isoformat(" ", "seconds") if document.nextRunTime else "-"
        table.add_row(
            str(document.id),
            document.name,
            document.installedIntegrationId,
            _when(document),
            next_run,
        )
    console.print(table)


@profiles_app.command("list")
def list_profiles(
    tenant: Tenant,
    integration: Annotated[
        str | None, typer.Option(help="Only this integration's (INTG-...).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """List a client's discovery profiles."""
    from tether.services import profiles

    with client_runtime(tenant) as (rt, scope):
        documents = [profiles.document(row) for row in profiles.list_profiles(rt.db, scope)]
    if integration is not None:
        documents = [d for d in documents if d.installedIntegrationId == integration]
    if as_json:
        print_json([d.model_dump(mode="json") for d in documents])
    else:
        _print_table(documents)


@profiles_app.command("show")
def show(profile_id: ProfileId, tenant: Tenant, as_json: AsJson = False) -> None:
    """Show one profile: its rules, actions and schedule."""
    from tether.services import profiles

    with client_runtime(tenant) as (rt, scope):
        document = profiles.document(profiles.get_profile(rt.db, scope, profile_id))
    if as_json:
        print_json(document.model_dump(mode="json"))
        return
    policy = document.policy
    typer.echo(f"{document.id}: {document.name} ({document.installedIntegrationId})")
    typer.echo(f"match {policy.matchType.value} of:")
    for rule in policy.rules:
        condition = f" where {rule.key} {rule.operator} {rule.value!r}" if rule.key else ""
        typer.echo(f"  {rule.filterType}{condition}")
    actions = ", ".join(action.action.value for action in policy.actions) or "none"
    typer.echo(f"actions: {actions}")
    typer.echo(f"schedule: {_when(document)}")
    if document.nextRunTime is not None:
        typer.echo(f"next run: {document.nextRunTime.isoformat(' ', 'seconds')}")


@profiles_app.command("create")
def create(
    tenant: Tenant,
    file: Annotated[
        Path,
        typer.Option(
            "--file",
            exists=True,
            dir_okay=False,
            readable=True,
            help="A JSON profile, or an array of them; one with an id updates that profile.",
        ),
    ],
    as_json: AsJson = False,
) -> None:
    """Create (or, given ids, update) profiles from a JSON file."""
    from tether.domain.profiles import parse_profiles
    from tether.services import profiles

    try:
        body = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{file}: not valid JSON: {exc}")
    with client_runtime(tenant) as (rt, scope):
        saved = profiles.save_profiles(rt.db, scope, parse_profiles(body))
        documents = [profiles.document(row) for row in saved]
    if as_json:
        print_json([d.model_dump(mode="json") for d in documents])
    else:
        _print_table(documents)


@profiles_app.command("delete")
def delete(profile_id: ProfileId, tenant: Tenant) -> None:
    """Delete a profile."""
    from tether.services import profiles

    with client_runtime(tenant) as (rt, scope):
        deleted = profiles.delete_profile(rt.db, scope, profile_id)
    typer.echo(f"deleted profile {deleted.id} ({deleted.name})")


@profiles_app.command("scan")
def scan(profile_id: ProfileId, tenant: Tenant, as_json: AsJson = False) -> None:
    """Scan the profile's integration now, in this process, and print the result.

    The scan runs with all of the integration's profiles. Exit 1 unless it ends ok or partial.
    """
    from tether.services import profiles
    from tether.services.scans import start_scan

    with client_runtime(tenant) as (rt, scope):
        started = profiles.rescan(
            rt.db, scope, profile_id, start_scan, trigger="manual", requested_by="cli"
        )
        done = run_scan_here(rt, scope, started.scan.id)
    report_scan(done, as_json, profileId=started.profile.id)
