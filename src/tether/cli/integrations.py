"""``tether integrations ...``: AWS integrations from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from tether.cli.context import (
    client_runtime,
    fail,
    load_settings,
    print_json,
    report_scan,
    reported_errors,
    run_scan_here,
)
from tether.domain.credentials import AwsType, credential_from_form
from tether.domain.validation import Outcome, Step, ValidationReport

integrations_app = typer.Typer(help="AWS integrations.", no_args_is_help=True)
console = Console()

MARKS = {
    Outcome.PASSED: "[green]✔[/green]",
    Outcome.FAILED: "[red]✘[/red]",
    Outcome.WARNING: "[yellow]![/yellow]",
    Outcome.SKIPPED: "[dim]-[/dim]",
}


@integrations_app.command("validate")
def validate(
    aws_type: Annotated[
        AwsType, typer.Option("--aws-type", help="As on the install form.")
    ] = AwsType.IAM_ASSUME_ROLE,
    account_number: Annotated[
        str | None, typer.Option(help="The trusted account's number (IAM: the account's own).")
    ] = None,
    access_key: Annotated[str | None, typer.Option(help="Access key id.")] = None,
    security_key: Annotated[
        str | None,
        typer.Option(
            envvar="TETHER_SECURITY_KEY",
            help="Secret access key; prompted for (hidden) when needed and not given.",
            show_default=False,
        ),
    ] = None,
    role_arn: Annotated[str | None, typer.Option(help="AssumeRole ARN.")] = None,
    external_id: Annotated[str | None, typer.Option(help="External ID.")] = None,
    regions: Annotated[str, typer.Option(help="'All' or a comma-separated list.")] = "All",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Dry run: check a credential step by step, storing nothing. Exit 1 if it fails."""
    from tether.aws.regions import RegionSelection
    from tether.services.aws_runtime import aws_sessions, validation_options
    from tether.services.validation import validate_credential

    settings = load_settings()
    if aws_type is not AwsType.AMBIENT_ASSUME_ROLE and access_key and not security_key:
        security_key = typer.prompt("Security Key", hide_input=True)
    with reported_errors():
        credential = credential_from_form(
            {
                "AWSType": aws_type.value,
                "AccountNumber": account_number,
                "AccessKey": access_key,
                "SecurityKey": security_key,
                "AssumeRoleARN": role_arn,
                "ExternalId": external_id,
            }
        )
        selection = RegionSelection.parse(regions)
        listener = None if as_json else _print_step
        report = validate_credential(
            aws_sessions(settings),
            credential,
            selection,
            validation_options(settings, "cli-validate"),
            listener,
        )
    if as_json:
        print_json(report.to_dict())
    else:
        _print_summary(report)
    raise typer.Exit(0 if report.ok else 1)


def _print_step(step: Step) -> None:
    if step.step.startswith("region "):
        return  # summarised in the regions table
    code = f" [dim]({step.error_code})[/dim]" if step.error_code else ""
    console.print(f"{MARKS[step.outcome]} {step.step}: {step.reason}{code}", highlight=False)


def _print_summary(report: ValidationReport) -> None:
    if report.regions:
        table = Table("region", "", "reason", title="Regions")
        for check in report.regions:
            table.add_row(check.region, MARKS[check.outcome], check.reason)
        console.print(table)
    if report.permissions:
        table = Table("service", "", "action", "reason", title="Permission matrix")
        for permission in report.permissions:
            table.add_row(
                permission.title, MARKS[permission.outcome], permission.action, permission.reason
            )
        console.print(table)
    verdict = "[green]valid[/green]" if report.ok else "[red]not valid: nothing stored[/red]"
    authorization = f" ({report.authorization} authorization)" if report.authorization else ""
    console.print(f"credential {verdict}{authorization}")


Tenant = Annotated[str, typer.Option("--tenant", help="The client tenant (client_...).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
IntegrationArg = Annotated[str, typer.Argument(help="The integration's id (INTG-...).")]


@integrations_app.command("available")
def available(as_json: AsJson = False) -> None:
    """What can be installed, by category."""
    from tether.services.integrations import available as catalog

    entries = catalog(None)
    if as_json:
        print_json(entries)
        return
    for entry in entries:
        typer.echo(f"{entry['category']} > {entry['name']}: {entry['description']}")


@integrations_app.command("update")
def update(
    integration: IntegrationArg,
    tenant: Tenant,
    name: Annotated[str | None, typer.Option(help="A new display name.")] = None,
    regions: Annotated[str | None, typer.Option(help="'All' or a comma-separated list.")] = None,
    access_key: Annotated[
        str | None,
        typer.Option(help="A new access key id; its secret comes from TETHER_SECURITY_KEY."),
    ] = None,
    retention_days: Annotated[
        int | None,
        typer.Option(min=1, max=3650, help="Days resources deleted in AWS stay in the inventory."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Rename, change regions, rotate keys or set the retention of deleted resources;
    anything touching AWS is validated again."""
    import os

    from tether.services import integration_views as views
    from tether.services import integrations as service

    credential: dict[str, object] = {}
    if regions is not None:
        credential["Regions"] = regions
    if access_key is not None:
        credential["AccessKey"] = access_key
        credential["SecurityKey"] = os.environ.get("TETHER_SECURITY_KEY") or typer.prompt(
            "Security Key", hide_input=True
        )
    with client_runtime(tenant) as (rt, scope):
        body = service.UpdateRequest(
            displayName=name,
            credential=credential or None,
            deletedResourceRetentionDays=retention_days,
        )
        try:
            updated = service.update(rt, scope, integration, body)
        except service.ValidationFailed as failed:
            for step in failed.report.failures:
                _print_step(step)
            console.print("[red]not updated: the integration is unchanged[/red]")
            raise typer.Exit(1) from None
        shown = views.view(rt, scope, updated, full=True)
    _show(shown, as_json)


@integrations_app.command("install")
def install(
    tenant: Tenant,
    file: Annotated[Path, typer.Option(help="The install body as JSON, as the API takes it.")],
    as_json: AsJson = False,
) -> None:
    """Install an AWS integration (validated first; nothing is stored if it fails).

    The secret may be left out of the file and given in TETHER_SECURITY_KEY instead."""
    import os

    from tether.services import integration_views as views
    from tether.services import integrations as service

    try:
        raw = json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as error:
        fail(f"--file: cannot read JSON: {error}")
    credential = raw.get("credential") if isinstance(raw, dict) else None
    secret = os.environ.get("TETHER_SECURITY_KEY")
    if isinstance(credential, dict) and not credential.get("SecurityKey") and secret:
        credential["SecurityKey"] = secret
    with client_runtime(tenant) as (rt, scope):
        try:
            body = service.InstallRequest.model_validate(raw)
        except ValidationError as error:
            fail(
                "--file: "
                + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
            )
        try:
            installed = service.install(rt, scope, body)
        except service.ValidationFailed as failed:
            if as_json:
                print_json(
                    {"code": failed.code, "message": failed.message, **(failed.details or {})}
                )
            else:
                for step in failed.report.steps:
                    _print_step(step)
                console.print("[red]not installed: nothing stored[/red]")
            raise typer.Exit(1) from None
        shown = views.view(rt, scope, installed.integration, full=True)
    _show(shown, as_json)


@integrations_app.command("list")
def list_integrations(tenant: Tenant, as_json: AsJson = False) -> None:
    """The client's installed integrations, children under their parents."""
    from tether.services import integration_views as views
    from tether.services import integrations as service
    from tether.store.paging import PageRequest

    with client_runtime(tenant) as (rt, scope):
        page = service.search(rt, scope, None, PageRequest(page_size=1000))
        rows = [views.view(rt, scope, item) for item in page.items]
    if as_json:
        print_json(rows)
        return
    table = Table(
        "id", "name", "account", "regions", "status", "installed", "by", title="Integrations"
    )
    for row in sorted(rows, key=lambda r: (r["parentId"] or r["id"], r["parentId"] is not None)):
        name = ("  └ " if row["parentId"] else "") + row["displayName"]
        table.add_row(
            row["id"],
            name,
            row["accountNumber"] or "",
            ",".join(row["regions"]),
            row["status"],
            row["installedTime"],
            row["installedBy"],
        )
    console.print(table)


@integrations_app.command("show")
def show(integration: IntegrationArg, tenant: Tenant, as_json: AsJson = True) -> None:
    """One integration with its regions, permissions, profiles, linked accounts, last scan."""
    from tether.services import integration_views as views
    from tether.services import integrations as service

    with client_runtime(tenant) as (rt, scope):
        shown = views.view(rt, scope, service.get(rt, scope, integration), full=True)
    _show(shown, as_json)


@integrations_app.command("enable")
def enable(integration: IntegrationArg, tenant: Tenant) -> None:
    """Enable scans again."""
    from tether.services import integrations as service

    with client_runtime(tenant) as (rt, scope):
        service.set_enabled(rt, scope, integration, True)
    typer.echo(f"{integration} enabled")


@integrations_app.command("disable")
def disable(integration: IntegrationArg, tenant: Tenant) -> None:
    """Stop scans; the inventory is kept."""
    from tether.services import integrations as service

    with client_runtime(tenant) as (rt, scope):
        service.set_enabled(rt, scope, integration, False)
    typer.echo(f"{integration} disabled")


@integrations_app.command("uninstall")
def uninstall(
    integration: IntegrationArg,
    tenant: Tenant,
    reason: Annotated[str, typer.Option(help="Why (required, kept in the audit log).")],
    children: Annotated[
        str | None, typer.Option(help="For a parent: 'uninstall' or 'keep' its linked accounts.")
    ] = None,
) -> None:
    """Remove the integration, its profiles, scans and inventory."""
    from tether.services import integrations as service

    with client_runtime(tenant) as (rt, scope):
        service.uninstall(rt, scope, integration, reason, children)
    typer.echo(f"{integration} uninstalled")


@integrations_app.command("sync")
def sync(integration: IntegrationArg, tenant: Tenant, as_json: AsJson = False) -> None:
    """Follow the Organization: add accounts that joined, mark those that left."""
    from tether.services import integrations as service

    with client_runtime(tenant) as (rt, scope):
        result = service.sync_organization(rt, scope, integration)
    shown = {"added": result.added, "failed": result.failed, "statusChanged": result.status_changed}
    if as_json:
        print_json(shown)
    else:
        typer.echo(
            f"added {len(result.added)}, failed {len(result.failed)}, "
            f"status changed {len(result.status_changed)}"
        )


@integrations_app.command("scan")
def scan(integration: IntegrationArg, tenant: Tenant, as_json: AsJson = False) -> None:
    """Scan now, in this process, and print the result."""
    from tether.services.scans import start_scan

    with client_runtime(tenant) as (rt, scope):
        queued = start_scan(rt.db, scope, integration, "manual", "cli")
        done = run_scan_here(rt, scope, queued.id)
    report_scan(done, as_json)


def _show(shown: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(shown)
        return
    for key in ("id", "displayName", "accountNumber", "regions", "status", "authorization"):
        typer.echo(f"{key}: {shown.get(key)}")
