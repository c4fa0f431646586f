"""``tether policy ...`` and ``/api/v1/tenants/{tenantId}/aws/setup``: happy and error paths."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2 as httpx
import pytest
from typer.testing import CliRunner

from tests.support.app import Api, tether_command
from tether.aws.artifacts import ARTIFACTS
from tether.aws.cloudformation import role_template, stackset_template
from tether.aws.external_id import validate_external_id
from tether.aws.policies import RoleSetup, permission_policies, trust_policy
from tether.cli.main import app

TRUSTED = "111122223333"
EXTERNAL_ID = "tether-test-3f9a2c71"
OU = "ou-ab12-abcd1234"
SETUP = RoleSetup(TRUSTED, EXTERNAL_ID)
ROLE_OPTIONS = ["--trusted-account", TRUSTED, "--external-id", EXTERNAL_ID]

# --- CLI in a real process ---------------------------------------------------------------


def test_tether_policy_in_a_real_process(tether_env: dict[str, str]) -> None:
    commands = [
        ("policy", "cloudformation", "--trusted-account", TRUSTED),
        ("policy", "cli", "--trusted-account", TRUSTED, "--external-id", "bad id"),
    ]
    # Each start of `tether` costs seconds of imports; run them side by side.
    with ThreadPoolExecutor(len(commands)) as pool:
        results = list(pool.map(lambda args: tether_command(*args, env=tether_env), commands))
    made, bad_external_id = results

    assert made.returncode == 0, made.stderr
    (line,) = made.stderr.splitlines()
    label, generated = line.rsplit(": ", 1)
    assert "External ID" in label
    assert validate_external_id(generated) == generated
    assert json.loads(made.stdout) == role_template(RoleSetup(TRUSTED, generated))

    assert bad_external_id.returncode == 2
    assert bad_external_id.stdout == ""
    (line,) = bad_external_id.stderr.splitlines()
    assert line.startswith("error: --external-id: ")


# --- CLI in process ----------------------------------------------------------------------

runner = CliRunner()


def _policy(*args: str) -> subprocess.CompletedProcess[str]:
    result = runner.invoke(app, ["policy", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def test_cli_permissions_prints_the_permission_policy() -> None:
    result = _policy("permissions")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == permission_policies()[0]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("trust", trust_policy(SETUP)),
        ("cloudformation", role_template(SETUP)),
        ("stackset", stackset_template(SETUP, [OU])),
    ],
)
def test_cli_prints_json_artifacts(command: str, expected: dict[str, Any]) -> None:
    extra = ["--organizational-units", OU] if command == "stackset" else []
    result = _policy(command, *ROLE_OPTIONS, *extra)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # the External ID was given: nothing to announce
    assert json.loads(result.stdout) == expected


def test_cli_script_uses_the_given_names() -> None:
    result = _policy("cli", *ROLE_OPTIONS, "--role-name", "OpsRead", "--policy-name", "OpsPol")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("#!/usr/bin/env bash\n")
    assert "role_name=OpsRead\n" in result.stdout
    assert "--policy-name OpsPol " in result.stdout
    assert EXTERNAL_ID in result.stdout


def test_cli_stackset_takes_repeated_and_comma_separated_units() -> None:
    second = "ou-cd34-efgh5678"
    result = _policy(
        "stackset", *ROLE_OPTIONS, "--organizational-units", f"{OU},{second}",
        "--organizational-units", "r-ab12",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    default = json.loads(result.stdout)["Parameters"]["OrganizationalUnitIds"]["Default"]
    assert default == f"{OU},{second},r-ab12"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("trust", "--trusted-account", "1111-2222-3333"), "--trusted-account"),
        (("cloudformation", "--trusted-account", TRUSTED, "--external-id", "x"), "--external-id"),
        (("cli", *ROLE_OPTIONS, "--role-name", "a/b"), "--role-name"),
        (("cli", *ROLE_OPTIONS, "--policy-name", "a b"), "--policy-name"),
        (("stackset", *ROLE_OPTIONS, "--organizational-units", "ou-x"), "--organizational-units"),
    ],
)
def test_cli_bad_input_names_the_option(args: tuple[str, ...], option: str) -> None:
    result = _policy(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    # One message (the console may wrap it): no External ID announced, no traceback.
    assert result.stderr.startswith(f"error: {option}: ")
    assert "External ID" not in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_trusted_account_is_required() -> None:
    result = _policy("trust")
    assert result.returncode == 2
    assert "--trusted-account" in result.stderr


# --- API ---------------------------------------------------------------------------------
# Each test checks several cases on one app: bootstrapping the app is the slow part.

ROLE_QUERY = {"trustedAccount": TRUSTED, "externalId": EXTERNAL_ID}


def _get(api: Api, artifact: str, tenant: str | None = None, **query: str) -> httpx.Response:
    url = f"/api/v1/tenants/{tenant or api.partner_id}/aws/setup/{artifact}"
    return api.client.get(url, params=query, headers=api.headers())


def test_api_generates_external_ids(api: Api) -> None:
    ids = set()
    for _ in range(2):
        answer = _get(api, "external-id")
        assert answer.status_code == 200, answer.text
        assert list(answer.json()) == ["externalId"]
        ids.add(validate_external_id(answer.json()["externalId"]))
    assert len(ids) == 2


def test_api_json_artifacts(api: Api) -> None:
    cases = [
        ("permission-policy", {}, permission_policies()[0]),
        ("trust-policy", ROLE_QUERY, trust_policy(SETUP)),
        ("cloudformation", ROLE_QUERY, role_template(SETUP)),
        ("stackset", {**ROLE_QUERY, "organizationalUnits": OU}, stackset_template(SETUP, [OU])),
    ]
    for artifact, query, expected in cases:
        answer = _get(api, artifact, **query)
        assert answer.status_code == 200, (artifact, answer.text)
        assert answer.headers["content-type"] == "application/json", artifact
        assert "content-disposition" not in answer.headers, artifact
        assert answer.json() == expected, artifact


def test_api_cli_script_and_downloads(api: Api) -> None:
    answer = _get(api, "cli-script", **ROLE_QUERY, roleName="OpsRead")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/x-shellscript")
    assert answer.text.startswith("#!/usr/bin/env bash\n")
    assert "role_name=OpsRead\n" in answer.text
    for name, artifact in ARTIFACTS.items():
        answer = _get(api, name, **ROLE_QUERY, download="true")
        assert answer.status_code == 200, (name, answer.text)
        disposition = f'attachment; filename="{artifact.filename}"'
        assert answer.headers["content-disposition"] == disposition, name


def test_api_is_tenant_scoped(api: Api) -> None:
    client = api.create_client("Acme")
    answer = _get(api, "trust-policy", client["uniqueId"], **ROLE_QUERY)
    assert answer.status_code == 200, answer.text
    assert _get(api, "permission-policy", "client_doesnotexist").status_code == 404


def test_api_bad_input_is_a_400_naming_the_field(api: Api) -> None:
    cases = [
        ("trust-policy", {**ROLE_QUERY, "trustedAccount": "12345"}, "trustedAccount"),
        ("trust-policy", {"externalId": EXTERNAL_ID}, "trustedAccount"),
        ("trust-policy", {"trustedAccount": TRUSTED}, "externalId"),
        ("cloudformation", {**ROLE_QUERY, "externalId": "a b"}, "externalId"),
        ("cli-script", {**ROLE_QUERY, "roleName": "r" * 65}, "roleName"),
        ("cli-script", {**ROLE_QUERY, "policyName": "a:b"}, "policyName"),
        ("stackset", {**ROLE_QUERY, "organizationalUnits": "ou-x"}, "organizationalUnits"),
    ]
    for artifact, query, field in cases:
        answer = _get(api, artifact, **query)
        assert answer.status_code == 400, (artifact, query, answer.text)
        body = answer.json()
        assert body["code"] == "invalid_request"
        assert body["fields"] == [field]
        assert body["message"].startswith(f"{field}: ")


def test_api_unknown_artifact_is_404(api: Api) -> None:
    answer = _get(api, "terraform", **ROLE_QUERY)
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    assert "permission-policy" in answer.json()["message"]


def test_api_without_a_valid_token_is_401(api: Api) -> None:
    for artifact in ("external-id", "permission-policy", "terraform"):
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            url = f"/api/v1/tenants/{api.partner_id}/aws/setup/{artifact}"
            answer = api.client.get(url, headers=headers)
            assert answer.status_code == 401, (artifact, headers)
            assert answer.headers["www-authenticate"] == "Bearer"
            assert set(answer.json()) == {"code", "message"}
