"""The setup artifacts a user needs to create the role, by name: what the CLI and API hand out.

Each renders to text from the same inputs: the permission policy (the seed's Appendix), the
trust policy, an AWS CLI script, and CloudFormation templates for one account or a whole
Organization. The documents themselves live in ``policies`` and ``cloudformation``.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tether.aws.cloudformation import organizational_units, role_template, stackset_template
from tether.aws.policies import (
    DEFAULT_POLICY_NAME,
    DEFAULT_ROLE_NAME,
    RoleSetup,
    permission_policies,
    permission_policy_names,
    trust_policy,
)
from tether.errors import InvalidInput

JSON_MEDIA_TYPE = "application/json"
SCRIPT_MEDIA_TYPE = "text/x-shellscript"


@dataclass(frozen=True, slots=True)
class SetupInputs:
    """What a user typed; each artifact validates only what it uses."""

    trusted_account: str | None = None
    external_id: str | None = None
    role_name: str = DEFAULT_ROLE_NAME
    policy_name: str = DEFAULT_POLICY_NAME
    organizational_units: tuple[str, ...] = ()

    def role(self) -> RoleSetup:
        if self.trusted_account is None:
            raise InvalidInput("trustedAccount", "is required")
        # Never a trust policy without the External ID condition: callers generate one.
        if self.external_id is None:
            raise InvalidInput("externalId", "is required; generate one if the user has none")
        return RoleSetup(self.trusted_account, self.external_id, self.role_name, self.policy_name)


def to_json(document: Any) -> str:
    return json.dumps(document, indent=2) + "\n"


def permission_policy_json() -> str:
    """The permission policy; a JSON list of documents only once IAM's limit forces a split."""
    documents = permission_policies()
    return to_json(documents[0] if len(documents) == 1 else documents)


def cli_script(setup: RoleSetup) -> str:
    """A bash script that creates (or updates) the role with the AWS CLI, then prints its ARN.

    The permission policy goes inline (put-role-policy) rather than into a managed policy:
    it lives and dies with the role, needs no policy ARN or version housekeeping, and
    running the script again after a Tether upgrade replaces it in place.
    """
    documents = permission_policies()
    names = permission_policy_names(setup.policy_name, len(documents))
    lines = [
        "#!/usr/bin/env bash",
        f"# Creates the IAM role {setup.role_name} that Tether assumes in this (the trusting)",
        "# account. Run it with credentials of this account that may manage IAM roles.",
        "# The permission policy is inline (put-role-policy): it lives and dies with the role,",
        "# and running this script again replaces it in place.",
        "set -euo pipefail",
        "",
        f"role_name={shlex.quote(setup.role_name)}",
        'workdir="$(mktemp -d)"',
        "trap 'rm -rf \"$workdir\"' EXIT",
        "",
        _heredoc("trust-policy.json", trust_policy(setup)),
    ]
    files = [f"permission-policy-{i}.json" for i in range(1, len(documents) + 1)]
    lines += [_heredoc(file, document) for file, document in zip(files, documents, strict=True)]
    trust_file = '"file://$workdir/trust-policy.json"'
    lines += [
        'if aws iam get-role --role-name "$role_name" >/dev/null 2>&1; then',
        '  aws iam update-assume-role-policy --role-name "$role_name" \\',
        f"    --policy-document {trust_file}",
        "else",
        '  aws iam create-role --role-name "$role_name" \\',
        f"    --assume-role-policy-document {trust_file} \\",
        "    --description 'Read-only access for Tether' >/dev/null",
        "fi",
    ]
    for file, name in zip(files, names, strict=True):
        lines += [
            'aws iam put-role-policy --role-name "$role_name" \\',
            f'  --policy-name {shlex.quote(name)} --policy-document "file://$workdir/{file}"',
        ]
    lines += [
        "echo 'Enter this AssumeRole ARN and the External ID in Tether (a new role can' >&2",
        "echo 'take 10-30 seconds before AssumeRole succeeds):' >&2",
        'aws iam get-role --role-name "$role_name" --query Role.Arn --output text',
    ]
    return "\n".join(lines) + "\n"


def _heredoc(file: str, document: Any) -> str:
    # A quoted delimiter: the shell expands nothing inside the JSON.
    return f"cat >\"$workdir/{file}\" <<'JSON'\n{json.dumps(document, indent=2)}\nJSON\n"


@dataclass(frozen=True, slots=True)
class Artifact:
    name: str
    filename: str
    media_type: str
    render: Callable[[SetupInputs], str]


def _stackset(inputs: SetupInputs) -> str:
    ou_ids = organizational_units(inputs.organizational_units)
    return to_json(stackset_template(inputs.role(), ou_ids))


ARTIFACTS: Mapping[str, Artifact] = {
    artifact.name: artifact
    for artifact in (
        Artifact(
            "permission-policy",
            "tether-permission-policy.json",
            JSON_MEDIA_TYPE,
            lambda _inputs: permission_policy_json(),
        ),
        Artifact(
            "trust-policy",
            "tether-trust-policy.json",
            JSON_MEDIA_TYPE,
            lambda inputs: to_json(trust_policy(inputs.role())),
        ),
        Artifact(
            "cli-script",
            "create-tether-role.sh",
            SCRIPT_MEDIA_TYPE,
            lambda inputs: cli_script(inputs.role()),
        ),
        Artifact(
            "cloudformation",
            "tether-role.template.json",
            JSON_MEDIA_TYPE,
            lambda inputs: to_json(role_template(inputs.role())),
        ),
        Artifact("stackset", "tether-role-stackset.template.json", JSON_MEDIA_TYPE, _stackset),
    )
}
