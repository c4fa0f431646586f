"""``tether integrations ...``: AWS integrations from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tether.cli.context import load_settings, print_json, reported_errors
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
