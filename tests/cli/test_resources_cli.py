"""``tether resources types|search|show|history|export``, in-process over a data directory
whose inventory ``apply_scope`` wrote."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.api.test_resources import (
    ACME_RECORDS,
    EU_ACCOUNT,
    INJECTION,
    WEB_1,
    WEB_2,
    Inventory,
    apply,
    seed_inventory,
)
from tests.support.profiles import client_scope
from tether.catalog.registry import RESOURCE_TYPES
from tether.cli.main import app as cli
from tether.store.db import Database
from tether.store.migrate import upgrade


@pytest.fixture
def inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inventory]:
    """A data directory the CLI uses, with a client and its inventory in it."""
    for key in list(os.environ):
        if key.startswith(("TETHER_", "AWS_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TETHER_DATA_DIR", str(tmp_path))
    db = Database(f"sqlite:///{tmp_path / 'tether.db'}")
    upgrade(db.engine)
    seeded = seed_inventory(db, client_scope(db))
    # web-2 is deleted by a second scan of its scope.
    apply(db, seeded.scope, seeded.integration, "us-east-1", "DEVICE", [WEB_1])
    yield seeded
    db.dispose()


def run(*args: str) -> Any:
    """``tether resources ARGS``, which must succeed; its JSON when ``--json`` is given."""
    result = CliRunner().invoke(cli, ["resources", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def test_types_and_search(inventory: Inventory) -> None:
    types = run("types", "--json")
    assert [entry["code"] for entry in types] == [spec.type_code for spec in RESOURCE_TYPES]
    assert "EC2 instance" in (run("types"))

    tenant = inventory.tenant
    found = run("search", "--tenant", tenant, "--json")
    assert found["totalResults"] == 5
    assert {row["name"] for row in found["results"]} == {
        "web-1",
        "data-vol",
        "private-a",
        "acme-logs",
        INJECTION,
    }
    cases: list[tuple[list[str], set[str]]] = [
        (["--type", "DEVICE"], {"web-1", INJECTION}),
        (["--type", "DEVICE", "--include-deleted"], {"web-1", "web-2", INJECTION}),
        (["--region", "global"], {"acme-logs"}),
        (["--account", EU_ACCOUNT], {INJECTION}),
        (["--name", "web-1"], {"web-1"}),
        (["--name-contains", "VOL"], {"data-vol"}),
        (["--tag", "Env=prod", "--tag", "Team=core"], {"web-1"}),
        (["--tag", "Env=prod"], {"web-1", "data-vol", "acme-logs"}),
        (["--state", "available"], {"private-a"}),
        (["--integration", inventory.eu_integration], {INJECTION}),
    ]
    for options, expected in cases:
        page = run("search", "--tenant", tenant, *options, "--json")
        assert {row["name"] for row in page["results"]} == expected, options
    paged = run("search", "--tenant", tenant, "--page-size", "2", "--page", "3", "--json")
    assert (len(paged["results"]), paged["totalPages"], paged["nextPage"]) == (1, 3, False)
    table = run("search", "--tenant", tenant, "--type", "DEVICE", "--include-deleted")
    assert "3 in all" in table
    assert "web-2" in table
    assert "[deleted]" in table


def test_show_and_history(inventory: Inventory) -> None:
    tenant = inventory.tenant
    found = run("search", "--tenant", tenant, "--include-deleted", "--json")
    ids = {row["name"]: row["id"] for row in found["results"]}

    shown = run("show", ids["web-1"], "--tenant", tenant, "--json")
    volume = shown["relationships"][0]
    assert volume["resource"]["id"] == ids["data-vol"]
    text = run("show", ids["web-1"], "--tenant", tenant)
    assert f"-> #{ids['data-vol']} data-vol" in text
    assert "tag Env=prod" in text

    history = run("history", ids["web-2"], "--tenant", tenant, "--json")
    assert [change["kind"] for change in history] == ["created", "deleted"]
    assert "deleted" in (run("history", ids["web-2"], "--tenant", tenant))
    gone = run("show", ids["web-2"], "--tenant", tenant)
    assert "deleted in AWS" in str(gone)
    assert WEB_2.arn in str(gone)


def test_export_to_stdout_and_to_a_file(inventory: Inventory, tmp_path: Path) -> None:
    tenant = inventory.tenant
    lines = (run("export", "--tenant", tenant)).splitlines()
    assert {json.loads(line)["arn"] for line in lines} == {
        record.arn for record in ACME_RECORDS if record is not WEB_2
    }
    target = tmp_path / "inventory.csv"
    result = CliRunner().invoke(
        cli,
        ["resources", "export", "--tenant", tenant, "--format", "csv", "--output", str(target)],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 5
    assert {row["name"] for row in rows} >= {"web-1", "'" + INJECTION}
    devices = run("export", "--tenant", tenant, "--type", "DEVICE", "--include-deleted")
    assert len(devices.splitlines()) == 3


def test_errors_name_the_option(inventory: Inventory) -> None:
    runner = CliRunner()
    tenant = inventory.tenant
    for args, message in [
        (["search", "--tenant", tenant, "--region", "nowhere"], "queryString.region"),
        (["search", "--tenant", tenant, "--tag", "=x"], "queryString.tag"),
        (["show", "2147483647", "--tenant", tenant], "resource_not_found"),
        (["history", "2147483647", "--tenant", tenant], "resource_not_found"),
        (["search", "--tenant", "client_nobody"], "tenant_not_found"),
        (["export", "--tenant", tenant, "--format", "xml"], "--format"),
    ]:
        result = runner.invoke(cli, ["resources", *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
