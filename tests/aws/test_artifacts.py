"""The setup artifacts: equal to the catalog, valid for IAM and CloudFormation, and working."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cfnlint.api import ManualArgs, lint
from policyuniverse import all_permissions

from tests.emulator.plugin import EmulatorClients
from tether.aws.artifacts import cli_script
from tether.aws.cloudformation import (
    ROLE_RESOURCE,
    STACKSET_RESOURCE,
    organizational_units,
    role_template,
    stackset_template,
)
from tether.aws.external_id import generate_external_id, validate_external_id
from tether.aws.policies import (
    MANAGED_POLICY_MAX_CHARS,
    RoleSetup,
    permission_policies,
    permission_policy_names,
    policy_chars,
    trust_policy,
)
from tether.catalog.registry import iam_actions
from tether.emulator import EmulatedOrganization
from tether.errors import InvalidInput

TRUSTED = "111122223333"
EXTERNAL_ID = "tether-test-3f9a2c71"
SETUP = RoleSetup(TRUSTED, EXTERNAL_ID)


def _actions(document: dict[str, Any]) -> list[str]:
    (statement,) = document["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == "*"
    actions: list[str] = statement["Action"]
    return actions


# --- External ID -------------------------------------------------------------------------


def test_generated_external_ids_are_long_valid_and_unique() -> None:
    ids = {generate_external_id() for _ in range(100)}
    assert len(ids) == 100
    for external_id in ids:
        assert len(external_id) >= 32
        assert re.fullmatch(r"[\w+=,.@:/-]+", external_id, re.ASCII)
        assert validate_external_id(external_id) == external_id


@pytest.mark.parametrize("value", ["ab", "x" * 1224, "a+b=c,d.e@f:g/h-i_J9"])
def test_valid_external_ids_pass_unchanged(value: str) -> None:
    assert validate_external_id(value) == value


@pytest.mark.parametrize("value", ["", "a", "x" * 1225, "has space", "quote'", "é-accent", "a$b"])
def test_invalid_external_ids_name_the_field(value: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_external_id(value)
    assert raised.value.field == "ExternalId"
    assert raised.value.status == 400


# --- Inputs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"trusted_account": "11112222333"}, "trustedAccount"),
        ({"trusted_account": "1111222233334"}, "trustedAccount"),
        ({"trusted_account": "11112222333a"}, "trustedAccount"),
        ({"external_id": "x"}, "externalId"),
        ({"external_id": "no spaces"}, "externalId"),
        ({"role_name": ""}, "roleName"),
        ({"role_name": "r" * 65}, "roleName"),
        ({"role_name": "path/role"}, "roleName"),
        ({"policy_name": "p" * 121}, "policyName"),
        ({"policy_name": "a:b"}, "policyName"),
    ],
)
def test_bad_role_setup_names_the_field(changes: dict[str, str], field: str) -> None:
    values = {"trusted_account": TRUSTED, "external_id": EXTERNAL_ID, **changes}
    with pytest.raises(InvalidInput) as raised:
        RoleSetup(**values)
    assert raised.value.field == field


def test_role_setup_defaults_and_limits() -> None:
    assert (SETUP.role_name, SETUP.policy_name) == ("TetherReadOnly", "TetherReadOnlyAccess")
    RoleSetup(TRUSTED, EXTERNAL_ID, "r" * 64, "p" * 120)


def test_organizational_units_split_commas_and_reject_other_ids() -> None:
    ous = organizational_units(["ou-ab12-abcd1234, ou-cd34-efgh5678", "r-ab12", "ou-ab12-abcd1234"])
    assert ous == ["ou-ab12-abcd1234", "ou-cd34-efgh5678", "r-ab12"]
    with pytest.raises(InvalidInput) as raised:
        organizational_units(["ou-ab12-abcd1234,123456789012"])
    assert raised.value.field == "organizationalUnits"


# --- Permission policy -------------------------------------------------------------------


def test_permission_policy_is_exactly_the_catalog() -> None:
    (document,) = permission_policies()
    assert document["Version"] == "2012-10-17"
    assert _actions(document) == iam_actions()


def test_every_action_exists_in_aws() -> None:
    known = {permission.lower() for permission in all_permissions}
    unknown = [action for action in iam_actions() if action.lower() not in known]
    assert unknown == []


def test_permission_policy_fits_a_managed_policy() -> None:
    (document,) = permission_policies()
    compact = re.sub(r"\s", "", json.dumps(document))
    assert len(compact) == policy_chars(document)
    assert policy_chars(document) < MANAGED_POLICY_MAX_CHARS


@pytest.mark.parametrize("max_chars", [200, 333, 1000])
def test_a_catalog_too_big_for_one_policy_is_split(max_chars: int) -> None:
    documents = permission_policies(max_chars=max_chars)
    assert len(documents) > 1
    assert [a for d in documents for a in _actions(d)] == iam_actions()
    sizes = [policy_chars(d) for d in documents]
    assert max(sizes) <= max_chars
    # Greedy: no document could have taken the next one's first action.
    for size, following in zip(sizes, documents[1:], strict=False):
        assert size + len(json.dumps(_actions(following)[0])) + 1 > max_chars
    assert permission_policy_names("P", 3) == ["P", "P-2", "P-3"]


# --- Trust policy ------------------------------------------------------------------------


def test_trust_policy_demands_the_external_id() -> None:
    (statement,) = trust_policy(SETUP)["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{TRUSTED}:root"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}


# --- CloudFormation ----------------------------------------------------------------------


def _lint(template: dict[str, Any]) -> list[str]:
    matches = lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))
    return [str(match) for match in matches]


def test_single_account_template_passes_cfn_lint() -> None:
    template = role_template(SETUP)
    assert _lint(template) == []
    parameters = template["Parameters"]
    assert parameters["TrustedAccountId"]["Default"] == TRUSTED
    assert parameters["ExternalId"]["Default"] == EXTERNAL_ID
    assert parameters["RoleName"]["Default"] == "TetherReadOnly"
    role = template["Resources"][ROLE_RESOURCE]["Properties"]
    (policy,) = role["Policies"]
    assert policy["PolicyName"] == "TetherReadOnlyAccess"
    assert _actions(policy["PolicyDocument"]) == iam_actions()
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
    assert template["Outputs"]["RoleArn"]["Value"] == {"Fn::GetAtt": [ROLE_RESOURCE, "Arn"]}


@pytest.mark.parametrize("ous", [["ou-ab12-abcd1234", "r-ab12"], []])
def test_stackset_template_passes_cfn_lint(ous: list[str]) -> None:
    template = stackset_template(SETUP, ous)
    assert _lint(template) == []
    assert "management account" in template["Description"]
    stackset = template["Resources"][STACKSET_RESOURCE]["Properties"]
    assert stackset["PermissionModel"] == "SERVICE_MANAGED"
    assert stackset["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert stackset["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    (group,) = stackset["StackInstancesGroup"]
    assert group == {
        "DeploymentTargets": {"OrganizationalUnitIds": {"Ref": "OrganizationalUnitIds"}},
        "Regions": ["us-east-1"],
    }
    assert json.loads(stackset["TemplateBody"]) == role_template(SETUP)
    targets = template["Parameters"]["OrganizationalUnitIds"]
    assert targets["Type"] == "CommaDelimitedList"
    assert targets.get("Default", "") == ",".join(ous)


# --- AWS CLI script ----------------------------------------------------------------------


def test_cli_script_is_valid_bash() -> None:
    script = cli_script(SETUP)
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in script
    checked = subprocess.run(
        ["bash", "-n"], input=script, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


# An `aws` that records its arguments and keeps the file:// documents it is given.
_FAKE_AWS = """#!/usr/bin/env bash
echo "$*" >>"$CALLS"
for arg in "$@"; do
  case "$arg" in file://*) cp "${arg#file://}" "$DOCS/";; esac
done
case "$*" in
  *"--query Role.Arn"*) echo "arn:aws:iam::444455556666:role/$4" ;;
  "iam get-role "*) [ -n "${ROLE_EXISTS:-}" ] || exit 254 ;;
esac
"""


@pytest.mark.parametrize("role_exists", [False, True])
def test_cli_script_creates_or_updates_the_role(tmp_path: Path, role_exists: bool) -> None:
    fake = tmp_path / "bin" / "aws"
    fake.parent.mkdir()
    fake.write_text(_FAKE_AWS)
    fake.chmod(0o755)
    docs = tmp_path / "docs"
    docs.mkdir()
    env = {
        **os.environ,
        "PATH": f"{fake.parent}:{os.environ['PATH']}",
        "CALLS": str(tmp_path / "calls"),
        "DOCS": str(docs),
        "ROLE_EXISTS": "1" if role_exists else "",
    }
    setup = RoleSetup(TRUSTED, EXTERNAL_ID, "Ops.Role@x", "ReadOnly")
    ran = subprocess.run(
        ["bash", "-c", cli_script(setup)], env=env, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "arn:aws:iam::444455556666:role/Ops.Role@x\n"
    assert "External ID" in ran.stderr
    verbs = [line.split()[1] for line in (tmp_path / "calls").read_text().splitlines()]
    change = "update-assume-role-policy" if role_exists else "create-role"
    assert verbs == ["get-role", change, "put-role-policy", "get-role"]
    assert json.loads((docs / "trust-policy.json").read_text()) == trust_policy(setup)
    assert json.loads((docs / "permission-policy-1.json").read_text()) == permission_policies()[0]


# --- On the emulator: the artifacts create a role that AssumeRole reaches ----------------


@pytest.fixture(scope="module")
def member(aws_org: EmulatedOrganization) -> str:
    return aws_org.member_account_ids[0]


@pytest.fixture(scope="module")
def created_role(
    aws_org: EmulatedOrganization, moto_clients: EmulatorClients, member: str
) -> Iterator[tuple[str, str]]:
    """(role ARN, External ID) of a role made from the generated policies."""
    setup = RoleSetup(
        aws_org.trusted_account_id, generate_external_id(), f"TetherTest-{uuid.uuid4().hex[:12]}"
    )
    iam = moto_clients.as_account("iam", member)
    role = iam.create_role(
        RoleName=setup.role_name, AssumeRolePolicyDocument=json.dumps(trust_policy(setup))
    )
    iam.put_role_policy(
        RoleName=setup.role_name,
        PolicyName=setup.policy_name,
        PolicyDocument=json.dumps(permission_policies()[0]),
    )
    try:
        yield role["Role"]["Arn"], setup.external_id
    finally:
        iam.delete_role_policy(RoleName=setup.role_name, PolicyName=setup.policy_name)
        iam.delete_role(RoleName=setup.role_name)


def test_generated_role_is_assumable_with_its_external_id(
    aws_org: EmulatedOrganization, aws_clients: EmulatorClients, created_role: tuple[str, str]
) -> None:
    role_arn, external_id = created_role
    keys = aws_clients.assume_role(aws_org.trusted_keys, role_arn, external_id)
    assert keys.access_key_id.startswith("ASIA")


@pytest.mark.parametrize("external_id", ["tether-wrong-external-id", None])
def test_generated_role_denies_a_wrong_or_missing_external_id(
    aws_org: EmulatedOrganization,
    aws_clients: EmulatorClients,
    created_role: tuple[str, str],
    external_id: str | None,
) -> None:
    role_arn, _ = created_role
    with pytest.raises(ClientError) as raised:
        aws_clients.assume_role(aws_org.trusted_keys, role_arn, external_id)
    assert raised.value.response["Error"]["Code"] == "AccessDenied"


def test_single_account_template_deploys_an_assumable_role(
    aws_org: EmulatedOrganization,
    aws_clients: EmulatorClients,
    moto_clients: EmulatorClients,
    member: str,
) -> None:
    setup = RoleSetup(aws_org.trusted_account_id, generate_external_id())
    role_name = f"TetherStack-{uuid.uuid4().hex[:12]}"
    cloudformation = moto_clients.as_account("cloudformation", member)
    stack = cloudformation.create_stack(
        StackName=role_name,
        TemplateBody=json.dumps(role_template(setup)),
        Parameters=[{"ParameterKey": "RoleName", "ParameterValue": role_name}],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    try:
        (described,) = cloudformation.describe_stacks(StackName=stack["StackId"])["Stacks"]
        assert described["StackStatus"] == "CREATE_COMPLETE"
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
        assert outputs["RoleArn"] == f"arn:aws:iam::{member}:role/{role_name}"
        iam = moto_clients.as_account("iam", member)
        (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
        assert policy_name == "TetherReadOnlyAccess"
        keys = aws_clients.assume_role(aws_org.trusted_keys, outputs["RoleArn"], setup.external_id)
        assert keys.access_key_id.startswith("ASIA")
        with pytest.raises(ClientError) as raised:
            aws_clients.assume_role(aws_org.trusted_keys, outputs["RoleArn"], "tether-wrong-id")
        assert raised.value.response["Error"]["Code"] == "AccessDenied"
    finally:
        cloudformation.delete_stack(StackName=stack["StackId"])


def test_cli_script_with_the_real_aws_cli_creates_an_assumable_role(
    aws_org: EmulatedOrganization,
    aws_clients: EmulatorClients,
    moto_clients: EmulatorClients,
    member: str,
    tmp_path: Path,
) -> None:
    iam = moto_clients.as_account("iam", member)
    admin = f"tether-admin-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=admin)
    key = iam.create_access_key(UserName=admin)["AccessKey"]
    setup = RoleSetup(
        aws_org.trusted_account_id, generate_external_id(), f"TetherCli-{uuid.uuid4().hex[:12]}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        # moto knows which account these keys belong to.
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_clients.endpoint_url,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        # The AWS CLI is a dev dependency, installed beside this interpreter.
        "PATH": f"{Path(sys.executable).parent}:{env['PATH']}",
    }
    try:
        ran = subprocess.run(
            ["bash", "-c", cli_script(setup)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert ran.returncode == 0, ran.stderr
        role_arn = ran.stdout.strip()
        assert role_arn == f"arn:aws:iam::{member}:role/{setup.role_name}"
        keys = aws_clients.assume_role(aws_org.trusted_keys, role_arn, setup.external_id)
        assert keys.access_key_id.startswith("ASIA")
    finally:
        for name in iam.list_role_policies(RoleName=setup.role_name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=setup.role_name, PolicyName=name)
        iam.delete_role(RoleName=setup.role_name)
        iam.delete_access_key(UserName=admin, AccessKeyId=key["AccessKeyId"])
        iam.delete_user(UserName=admin)
