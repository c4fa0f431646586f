"""``tether integrations install|list|show|scan|disable|enable|uninstall`` as a user runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.app import tether_command
from tether.domain.tenancy import TenantKind
from tether.emulator import EmulatedOrganization, FaultProxy
from tether.security.scoping import system_scope
from tether.services.bootstrap import new_tenant_id
from tether.store.db import Database
from tether.store.models import Tenant
from tether.store.repositories.tenants import TenantDirectory, TenantRepository


def _client(env: dict[str, str]) -> str:
    assert tether_command("bootstrap", "--json", env=env).returncode == 0
    db = Database(f"sqlite:///{Path(env['TETHER_DATA_DIR']) / 'tether.db'}")
    with db.transaction() as session:
        partner = TenantDirectory(session).first_partner()
        assert partner is not None
        client = TenantRepository(session, system_scope(partner)).add_client(
            Tenant(id=new_tenant_id(TenantKind.CLIENT), kind="client", name="CLI client")
        )
        client_id = client.id
    db.dispose()
    return client_id


def _install_file(tmp_path: Path, org: EmulatedOrganization, member: str, external_id: str) -> Path:
    """The install body the CLI reads; the secret comes from TETHER_SECURITY_KEY."""
    body = tmp_path / "install.json"
    body.write_text(json.dumps({
        "displayName": "From the CLI",
        "credential": {
            "AWSType": "IAM with AssumeRole", "Regions": "us-east-1",
            "AccountNumber": org.trusted_account_id, "AccessKey": org.trusted_keys.access_key_id,
            "AssumeRoleARN": org.role_arns[member], "ExternalId": external_id,
        },
    }))  # fmt: skip
    return body


def test_the_integration_lifecycle_from_the_command_line(
    tether_env: dict[str, str],
    tmp_path: Path,
    aws_faults: FaultProxy,
    aws_org: EmulatedOrganization,
) -> None:
    env = {
        **tether_env,
        "TETHER_AWS_ENDPOINT_URL": aws_faults.endpoint_url,
        "TETHER_SECURITY_KEY": aws_org.trusted_keys.secret_access_key,
    }
    client = _client(env)
    member = aws_org.onboarded_member_ids[0]
    body = _install_file(tmp_path, aws_org, member, aws_org.external_id)
    installed = tether_command(
        "integrations", "install", "--tenant", client, "--file", str(body), "--json", env=env
    )
    assert installed.returncode == 0, installed.stderr
    integration = json.loads(installed.stdout)
    assert integration["accountNumber"] == member
    assert aws_org.trusted_keys.secret_access_key not in installed.stdout

    renamed = tether_command(
        "integrations", "update", integration["id"], "--tenant", client, "--name", "Renamed",
        "--regions", "us-east-1,eu-west-1", "--json", env=env,
    )  # fmt: skip
    assert renamed.returncode == 0, renamed.stdout + renamed.stderr
    assert json.loads(renamed.stdout)["displayName"] == "Renamed"
    assert json.loads(renamed.stdout)["regions"] == ["us-east-1", "eu-west-1"]
    catalog = json.loads(tether_command("integrations", "available", "--json", env=env).stdout)
    assert [(e["category"], e["name"]) for e in catalog] == [("Public Cloud", "AWS")]

    listed = json.loads(
        tether_command("integrations", "list", "--tenant", client, "--json", env=env).stdout
    )
    assert [row["id"] for row in listed] == [integration["id"]]

    scanned = tether_command(
        "integrations", "scan", integration["id"], "--tenant", client, "--json", env=env
    )
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr
    assert json.loads(scanned.stdout)["scanStatus"] == "ok"
    waited = tether_command("scan", integration["id"], "--tenant", client, "--wait", env=env)
    assert waited.returncode == 0, waited.stdout + waited.stderr
    assert ": ok," in waited.stdout
    # The progress bar's last frame: every unit done, with the scan's counters.
    assert re.search(
        r"scan ok .* (\d+)/\1 units · \d+ calls · 0 throttles · \d+ resources", waited.stderr
    ), waited.stderr

    assert (
        tether_command(
            "integrations", "disable", integration["id"], "--tenant", client, env=env
        ).returncode
        == 0
    )
    refused = tether_command("integrations", "scan", integration["id"], "--tenant", client, env=env)
    assert refused.returncode == 2
    assert "disabled: no scans" in refused.stderr
    gone = tether_command(
        "integrations",
        "uninstall",
        integration["id"],
        "--tenant",
        client,
        "--reason",
        "test over",
        env=env,
    )
    assert gone.returncode == 0, gone.stderr
    assert (
        json.loads(
            tether_command("integrations", "list", "--tenant", client, "--json", env=env).stdout
        )
        == []
    )


def test_a_failed_install_exits_1_and_stores_nothing(
    tether_env: dict[str, str],
    tmp_path: Path,
    aws_faults: FaultProxy,
    aws_org: EmulatedOrganization,
) -> None:
    env = {
        **tether_env,
        "TETHER_AWS_ENDPOINT_URL": aws_faults.endpoint_url,
        "TETHER_SECURITY_KEY": aws_org.trusted_keys.secret_access_key,
        "TETHER_IAM_PROPAGATION_SECONDS": "0.5",
    }
    client = _client(env)
    member = aws_org.onboarded_member_ids[0]
    body = _install_file(tmp_path, aws_org, member, "not-the-one")
    failed = tether_command(
        "integrations", "install", "--tenant", client, "--file", str(body), env=env
    )
    assert failed.returncode == 1
    assert "✘ assume_role" in failed.stdout
    assert "not installed: nothing stored" in failed.stdout
    assert (
        json.loads(
            tether_command("integrations", "list", "--tenant", client, "--json", env=env).stdout
        )
        == []
    )
