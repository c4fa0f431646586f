"""CloudFormation templates that create the role: one account, or a whole Organization.

The single-account template is the role itself. The StackSet template, deployed in the
management account, rolls that same template out to every account of the chosen OUs and
to accounts that join them later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from tether.aws.policies import (
    ROLE_NAME_PATTERN,
    RoleSetup,
    permission_policies,
    permission_policy_names,
    trust_document,
)
from tether.domain.credentials import ACCOUNT_ID_PATTERN, EXTERNAL_ID_LENGTH
from tether.errors import InvalidInput

Template = dict[str, Any]

TEMPLATE_VERSION = "2010-09-09"
ROLE_RESOURCE = "TetherRole"
STACKSET_RESOURCE = "TetherRoleStackSet"
# IAM is global: one stack instance per account is enough, in any region.
STACKSET_REGION = "us-east-1"
# An OU id, or the root id (targets every account of the Organization).
_OU_OR_ROOT = re.compile(r"ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32}")

ROLE_DESCRIPTION = (
    "Tether: a read-only IAM role that the trusted account may assume with the External ID."
)
STACKSET_DESCRIPTION = (
    "Tether: creates the read-only IAM role in every account of the given organizational units,"
    " and in accounts that join them later. Deploy it in the management account. StackSets do"
    " not deploy to the management account itself: create the role there with Tether's"
    " single-account template."
)


def organizational_units(values: Iterable[str]) -> list[str]:
    """OU (or root) ids from values that may each hold several, comma-separated."""
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    for ou_id in ids:
        if not _OU_OR_ROOT.fullmatch(ou_id):
            raise InvalidInput(
                "organizationalUnits",
                f"{ou_id!r} is not an OU id (ou-...) or root id (r-...)",
            )
    return list(dict.fromkeys(ids))


def _role_parameters(setup: RoleSetup) -> dict[str, Any]:
    return {
        "TrustedAccountId": {
            "Type": "String",
            "Description": "The AWS account that Tether calls from (the trusted account)",
            "AllowedPattern": ACCOUNT_ID_PATTERN,
            "ConstraintDescription": "a 12-digit AWS account id",
            "Default": setup.trusted_account,
        },
        "ExternalId": {
            "Type": "String",
            "Description": "The External ID Tether sends with AssumeRole (not a secret)",
            "MinLength": EXTERNAL_ID_LENGTH[0],
            "MaxLength": EXTERNAL_ID_LENGTH[1],
            "AllowedPattern": r"^[\w+=,.@:/-]+$",
            "Default": setup.external_id,
        },
        "RoleName": {
            "Type": "String",
            "Description": "Name of the role Tether assumes",
            "AllowedPattern": ROLE_NAME_PATTERN,
            "Default": setup.role_name,
        },
    }


def role_template(setup: RoleSetup, actions: Sequence[str] | None = None) -> Template:
    """The role, its trust policy and its inline permission policy, in one account."""
    documents = permission_policies(actions)
    names = permission_policy_names(setup.policy_name, len(documents))
    principal = {"Fn::Sub": "arn:${AWS::Partition}:iam::${TrustedAccountId}:root"}
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": {"Ref": "RoleName"},
            "Description": ROLE_DESCRIPTION,
            "AssumeRolePolicyDocument": trust_document(principal, {"Ref": "ExternalId"}),
            # Inline, so the policy lives and dies with the role and updates in place.
            "Policies": [
                {"PolicyName": name, "PolicyDocument": document}
                for name, document in zip(names, documents, strict=True)
            ],
        },
    }
    return {
        "AWSTemplateFormatVersion": TEMPLATE_VERSION,
        "Description": ROLE_DESCRIPTION,
        "Parameters": _role_parameters(setup),
        "Resources": {ROLE_RESOURCE: role},
        "Outputs": {
            "RoleArn": {
                "Description": "Enter it in Tether as the AssumeRole ARN",
                "Value": {"Fn::GetAtt": [ROLE_RESOURCE, "Arn"]},
            }
        },
    }


def stackset_template(
    setup: RoleSetup, ou_ids: Sequence[str] = (), actions: Sequence[str] | None = None
) -> Template:
    """A service-managed StackSet of ``role_template`` over the given OUs."""
    parameters = _role_parameters(setup)
    targets: dict[str, Any] = {
        "Type": "CommaDelimitedList",
        "Description": "Organizational unit ids (ou-...) or the root id (r-...) to deploy to",
    }
    if ou_ids:
        targets["Default"] = ",".join(organizational_units(ou_ids))
    parameters["OrganizationalUnitIds"] = targets
    stackset = {
        "Type": "AWS::CloudFormation::StackSet",
        "Properties": {
            "StackSetName": {"Ref": "AWS::StackName"},
            "Description": ROLE_DESCRIPTION,
            "PermissionModel": "SERVICE_MANAGED",
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
            "Capabilities": ["CAPABILITY_NAMED_IAM"],
            # One account that fails (say, a role of that name exists) must not stop the rest.
            "OperationPreferences": {
                "FailureTolerancePercentage": 100,
                "MaxConcurrentPercentage": 100,
            },
            "Parameters": [
                {"ParameterKey": key, "ParameterValue": {"Ref": key}}
                for key in ("TrustedAccountId", "ExternalId", "RoleName")
            ],
            "StackInstancesGroup": [
                {
                    "DeploymentTargets": {
                        "OrganizationalUnitIds": {"Ref": "OrganizationalUnitIds"}
                    },
                    "Regions": [STACKSET_REGION],
                }
            ],
            "TemplateBody": json.dumps(role_template(setup, actions), separators=(",", ":")),
        },
    }
    return {
        "AWSTemplateFormatVersion": TEMPLATE_VERSION,
        "Description": STACKSET_DESCRIPTION,
        "Parameters": parameters,
        "Resources": {STACKSET_RESOURCE: stackset},
        "Outputs": {
            "StackSetId": {
                "Description": "The StackSet that creates the role",
                "Value": {"Ref": STACKSET_RESOURCE},
            }
        },
    }
