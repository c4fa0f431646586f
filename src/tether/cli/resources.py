"""``tether resources ...``: the inventory from the command line, acting as the system.

Whoever can run the command can read the database, so it acts as Tether itself, scoped to
the tenant given with ``--tenant`` (a partner's reads all of its clients' inventories).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tether.cli.context import client_runtime, fail, print_json, reported_errors

if TYPE_CHECKING:
    from tether.store.repositories.resources import ResourceFilter

resources_app = typer.Typer(help="The AWS inventory: search, show, history, export.")
console = Console()

Tenant = Annotated[str, typer.Option("--tenant", help="A client (client_...) or a partner.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ResourceId = Annotated[int, typer.Argument(help="The resource's id.", min=1, max=2**31 - 1)]
TypeOption = Annotated[
    str | None, typer.Option("--type", help="Type codes (DEVICE, AWS_S3_BUCKET), ','-joined.")
]
RegionOption = Annotated[str | None, typer.Option(help="Regions (or 'global'), ','-joined.")]
AccountOption = Annotated[str | None, typer.Option(help="Account numbers, ','-joined.")]
NameOption = Annotated[str | None, typer.Option(help="The exact name.")]
NameContainsOption = Annotated[str | None, typer.Option(help="Part of the name, any case.")]
TagOption = Annotated[
    list[str] | None, typer.Option("--tag", help="K=V (or K: the tag is set); repeatable.")
]
StateOption = Annotated[str | None, typer.Option(help="The state (running, available, ...).")]
IntegrationOption = Annotated[str | None, typer.Option(help="The integration (INTG-...).")]
DeletedOption = Annotated[
    bool, typer.Option("--include-deleted", help="Include resources deleted in AWS.")
]


def _where(
    resource_type: str | None,
    region: str | None,
    account: str | None,
    name: str | None,
    name_contains: str | None,
    tags: list[str] | None,
    state: str | None,
    integration: str | None,
    include_deleted: bool,
) -> ResourceFilter:
    """The options as the API's search terms, validated the same way."""
    from tether.services.resources import resource_filter

    given = {
        "resourceType": resource_type,
        "region": region,
        "accountNumber": account,
        "name": name,
        "nameContains": name_contains,
        "tag": ";".join(tags) if tags else None,
        "state": state,
        "installedAppId": integration,
        "includeDeleted": "true" if include_deleted else None,
    }
    with reported_errors():
        return resource_filter({key: value for key, value in given.items() if value is not None})


@resources_app.command("types")
def types(as_json: AsJson = False) -> None:
    """The resource types Tether inventories."""
    from tether.services.resources import resource_types

    entries = resource_types()
    if as_json:
        print_json(entries)
        return
    table = Table("code", "title", "service", "scope", "CloudFormation", title="Resource types")
    for entry in entries:
        table.add_row(
            *map(
                escape,
                (
                    entry["code"],
                    entry["title"],
                    entry["service"]["title"],
                    entry["scope"],
                    entry["cloudFormationType"],
                ),
            )
        )
    console.print(table)


@resources_app.command("search")
def search(
    tenant: Tenant,
    resource_type: TypeOption = None,
    region: RegionOption = None,
    account: AccountOption = None,
    name: NameOption = None,
    name_contains: NameContainsOption = None,
    tag: TagOption = None,
    state: StateOption = None,
    integration: IntegrationOption = None,
    include_deleted: DeletedOption = False,
    page: Annotated[int, typer.Option(min=1, help="The page (from 1).")] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=1000, help="Resources a page.")] = 100,
    as_json: AsJson = False,
) -> None:
    """Find resources; every filter given must match."""
    from tether.services import resources as service
    from tether.store.paging import PageRequest

    where = _where(
        resource_type, region, account, name, name_contains, tag, state, integration,
        include_deleted,
    )  # fmt: skip
    with client_runtime(tenant) as (rt, scope):
        found = service.search(rt.db, scope, where, PageRequest(page, page_size))
    rows = [service.record(row) for row in found.items]
    if as_json:
        print_json(
            {
                "results": rows,
                "totalResults": found.total,
                "pageNo": page,
                "pageSize": page_size,
                "totalPages": found.total_pages,
                "nextPage": found.has_next,
            }
        )
        return
    table = Table(
        "id", "type", "name", "account", "region", "state", "integration",
        title=f"Resources (page {page} of {found.total_pages}, {found.total} in all)",
    )  # fmt: skip
    for row in rows:
        name_shown = (row["name"] or "") + (" [deleted]" if row["deleted"] else "")
        cells = (
            row["id"],
            row["resourceType"],
            name_shown,
            row["accountNumber"],
            row["region"],
            row["state"] or "",
            row["integrationId"],
        )
        table.add_row(*map(escape, cells))  # AWS names are text, not Rich markup
    console.print(table)


@resources_app.command("show")
def show(resource_id: ResourceId, tenant: Tenant, as_json: AsJson = False) -> None:
    """One resource: tags, attributes, relationships and recent history."""
    from tether.services import resources as service

    with client_runtime(tenant) as (rt, scope):
        shown = service.detail(rt.db, scope, resource_id)
    if as_json:
        print_json(shown)
        return
    for key in ("id", "arn", "resourceType", "name", "accountNumber", "region", "zone", "state"):
        typer.echo(f"{key}: {shown[key] if shown[key] is not None else '-'}")
    typer.echo(f"integration: {shown['integrationId']}")
    typer.echo(f"first seen: {shown['firstSeen']}  last changed: {shown['lastChanged']}")
    if shown["deleted"]:
        typer.echo(f"deleted in AWS: {shown['deletedAt']}")
    for key, value in sorted(shown["tags"].items()):
        typer.echo(f"tag {key}={value}")
    for rel in shown["relationships"]:
        target = rel["resource"]
        resolved = f" -> #{target['id']} {target['name'] or ''}" if target else ""
        typer.echo(f"related {rel.get('type')}: {rel.get('arn') or rel.get('id')}{resolved}")
    _print_changes(shown["history"], f"History (last {len(shown['history'])})")


def _print_changes(changes: list[dict[str, Any]], title: str) -> None:
    table = Table("time", "kind", "scan", "changed", title=title)
    for change in changes:
        fields = ", ".join(sorted(change["diff"])) or "-"
        cells = (change["time"], change["kind"], change["scanId"] or "-", fields)
        table.add_row(*map(escape, cells))
    console.print(table)


@resources_app.command("history")
def history(resource_id: ResourceId, tenant: Tenant, as_json: AsJson = False) -> None:
    """Every change of one resource, oldest first, with field-level diffs in --json."""
    from tether.services import resources as service
    from tether.store.paging import PageRequest

    changes: list[dict[str, Any]] = []
    with client_runtime(tenant) as (rt, scope):
        page_no = 1
        while True:
            page = service.history(rt.db, scope, resource_id, PageRequest(page_no, 1000))
            changes.extend(page.items)
            if not page.has_next:
                break
            page_no += 1
    if as_json:
        print_json(changes)
    else:
        _print_changes(changes, f"History of resource {resource_id}")


@resources_app.command("export")
def export(
    tenant: Tenant,
    export_format: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
    output: Annotated[
        Path | None, typer.Option(help="Write here instead of to standard output.")
    ] = None,
    resource_type: TypeOption = None,
    region: RegionOption = None,
    account: AccountOption = None,
    name: NameOption = None,
    name_contains: NameContainsOption = None,
    tag: TagOption = None,
    state: StateOption = None,
    integration: IntegrationOption = None,
    include_deleted: DeletedOption = False,
) -> None:
    """The inventory as JSON Lines or CSV, streamed in batches."""
    from tether.services.resources import ExportFormat, export

    try:
        fmt = ExportFormat(export_format.lower())
    except ValueError:
        fail("--format: use jsonl or csv")
    where = _where(
        resource_type, region, account, name, name_contains, tag, state, integration,
        include_deleted,
    )  # fmt: skip
    with client_runtime(tenant) as (rt, scope):
        if output is None:
            for chunk in export(rt.db, scope, where, fmt):
                sys.stdout.write(chunk)
            sys.stdout.flush()
            return
        try:
            with output.open("w", encoding="utf-8", newline="") as out:
                for chunk in export(rt.db, scope, where, fmt):
                    out.write(chunk)
        except OSError as error:
            fail(f"--output: {error}")
    typer.echo(f"exported to {output}", err=True)
