"""``tether integrations validate``: a dry run with the step-by-step result."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.app import tether_command
from tether.emulator import EmulatedOrganization, FaultProxy


def _env(
    tether_env: dict[str, str], proxy: FaultProxy, org: EmulatedOrganization
) -> dict[str, str]:
    return {
        **tether_env,
        "TETHER_AWS_ENDPOINT_URL": proxy.endpoint_url,
        "TETHER_SECURITY_KEY": org.trusted_keys.secret_access_key,
        "TETHER_IAM_PROPAGATION_SECONDS": "0.5",
    }


def _args(org: EmulatedOrganization, external_id: str) -> list[str]:
    member = org.onboarded_member_ids[0]
    return [
        "integrations", "validate",
        "--aws-type", "IAM with AssumeRole",
        "--account-number", org.trusted_account_id,
        "--access-key", org.trusted_keys.access_key_id,
        "--role-arn", org.role_arns[member],
        "--external-id", external_id,
        "--regions", "us-east-1,eu-west-1",
    ]  # fmt: skip


def test_a_good_credential_prints_each_step(
    tether_env: dict[str, str], aws_faults: FaultProxy, aws_org: EmulatedOrganization
) -> None:
    env = _env(tether_env, aws_faults, aws_org)
    result = tether_command(*_args(aws_org, aws_org.external_id), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    for line in [
        "✔ credentials: authenticated as",
        "✔ account_number:",
        "✔ assume_role: assumed",
        "✔ regions: all 2 selected regions are usable",
        "credential valid",
    ]:
        assert line in result.stdout
    assert aws_org.trusted_keys.secret_access_key not in result.stdout + result.stderr
    assert not (Path(env["TETHER_DATA_DIR"]) / "tether.db").exists()  # a dry run stores nothing


def test_a_bad_credential_exits_1_with_the_reason(
    tether_env: dict[str, str], aws_faults: FaultProxy, aws_org: EmulatedOrganization
) -> None:
    env = _env(tether_env, aws_faults, aws_org)
    result = tether_command(*_args(aws_org, "not-the-external-id"), env=env)
    assert result.returncode == 1
    assert "✘ assume_role: AssumeRole into" in result.stdout
    assert "(AccessDenied)" in result.stdout
    assert "not valid: nothing stored" in result.stdout
    as_json = tether_command(*_args(aws_org, "not-the-external-id"), "--json", env=env)
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["ok"] is False
    assert [s["step"] for s in report["steps"]] == ["credentials", "account_number", "assume_role"]


def test_bad_input_names_the_option(tether_env: dict[str, str]) -> None:
    result = tether_command(
        "integrations",
        "validate",
        "--account-number",
        "123",
        "--access-key",
        "AKIAIOSFODNN7EXAMPLE",
        env={**tether_env, "TETHER_SECURITY_KEY": "x" * 40},
    )
    assert result.returncode == 2
    assert "AccountNumber: must be the 12-digit AWS account number" in result.stderr
