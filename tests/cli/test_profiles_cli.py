"""``tether profiles list|show|create|scan|delete``, in-process over a data directory."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.support.profiles import add_integration, client_scope, profile_body
from tether.cli.main import app as cli
from tether.store.db import Database
from tether.store.migrate import upgrade
from tether.store.models import Scan


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """A data directory the CLI uses, with a client and one integration in it."""
    for key in list(os.environ):
        if key.startswith(("TETHER_", "AWS_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TETHER_DATA_DIR", str(tmp_path))
    db = Database(f"sqlite:///{tmp_path / 'tether.db'}")
    upgrade(db.engine)
    scope = client_scope(db)
    yield scope.tenant_id, add_integration(db, scope)
    db.dispose()


def test_cli_create_list_show_scan_delete(cli_env: tuple[str, str], tmp_path: Path) -> None:
    tenant, integration = cli_env
    runner = CliRunner()
    file = tmp_path / "profile.json"
    file.write_text(json.dumps(profile_body(integration)))

    created = runner.invoke(
        cli, ["profiles", "create", "--tenant", tenant, "--file", str(file), "--json"]
    )
    assert created.exit_code == 0, created.output
    (document,) = json.loads(created.stdout)
    profile_id = str(document["id"])
    assert document["installedIntegrationId"] == integration

    listed = runner.invoke(cli, ["profiles", "list", "--tenant", tenant, "--json"])
    assert [p["id"] for p in json.loads(listed.stdout)] == [document["id"]]
    table = runner.invoke(cli, ["profiles", "list", "--tenant", tenant])
    assert "AWS Basic" in table.stdout
    shown = runner.invoke(cli, ["profiles", "show", profile_id, "--tenant", tenant])
    assert "DEVICE where Region Name Equals 'us-east-1'" in shown.stdout
    assert "HOURLY 2 at 02:00:00 UTC" in shown.stdout

    # The scan runs in the process; the integration row has no credential, so it fails.
    scanned = runner.invoke(cli, ["profiles", "scan", profile_id, "--tenant", tenant, "--json"])
    assert scanned.exit_code == 1, scanned.output
    assert isinstance(scanned.exception, SystemExit)  # an exit code, not a crash
    result = json.loads(scanned.stdout)
    assert (result["profileId"], result["installedIntegrationId"]) == (document["id"], integration)
    assert result["scanStatus"] == "failed"
    assert "has no credential" in result["error"]
    db = Database(f"sqlite:///{tmp_path / 'tether.db'}")
    with db.transaction() as session:
        first = session.get(Scan, result["scanId"])
        assert first is not None
        assert (first.status, first.trigger, first.requested_by) == ("failed", "manual", "cli")
    # The failed scan ended, so the next asks for a new one rather than joining it.
    again = runner.invoke(cli, ["profiles", "scan", profile_id, "--tenant", tenant])
    assert again.exit_code == 1, again.output
    assert isinstance(again.exception, SystemExit)  # an exit code, not a crash
    with db.transaction() as session:
        (second,) = session.scalars(select(Scan.id).where(Scan.id != first.id)).all()
    db.dispose()
    assert f"scan {second} of {integration}: failed, 0 resources" in again.stdout
    assert "error: integration " in again.stdout

    deleted = runner.invoke(cli, ["profiles", "delete", profile_id, "--tenant", tenant])
    assert deleted.exit_code == 0
    missing = runner.invoke(cli, ["profiles", "show", profile_id, "--tenant", tenant])
    assert missing.exit_code == 2
    assert "discovery_profile_not_found" in missing.stderr


def test_cli_refuses_bad_input(cli_env: tuple[str, str], tmp_path: Path) -> None:
    tenant, integration = cli_env
    runner = CliRunner()
    file = tmp_path / "profile.json"
    body = profile_body(integration)
    body["policy"]["rules"][1]["operator"] = "Like"
    file.write_text(json.dumps(body))
    refused = runner.invoke(cli, ["profiles", "create", "--tenant", tenant, "--file", str(file)])
    assert refused.exit_code == 2
    assert "[0].policy.rules[1].operator: unknown operator 'Like'" in refused.stderr
    file.write_text("{")
    assert (
        "not valid JSON"
        in runner.invoke(
            cli, ["profiles", "create", "--tenant", tenant, "--file", str(file)]
        ).stderr
    )
    unknown = runner.invoke(cli, ["profiles", "list", "--tenant", "client_nobody"])
    assert (unknown.exit_code, "tenant_not_found" in unknown.stderr) == (2, True)
