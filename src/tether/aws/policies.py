"""The two IAM documents of the trusting account's role: who may assume it, and what it may do.

The permission policy is the catalog's action list (the seed's Appendix), so it always
equals what Tether calls. IAM limits a managed policy to 6,144 characters (whitespace not
counted); when the catalog outgrows that, the actions are split over several documents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tether.catalog.registry import iam_actions
from tether.domain.credentials import ACCOUNT_ID_PATTERN, validate_external_id
from tether.errors import InvalidInput

PolicyDocument = dict[str, Any]

POLICY_VERSION = "2012-10-17"
DEFAULT_ROLE_NAME = "TetherReadOnly"
DEFAULT_POLICY_NAME = "TetherReadOnlyAccess"
MANAGED_POLICY_MAX_CHARS = 6144
PERMISSIONS_SID = "TetherReadOnlyAccess"
TRUST_SID = "TrustedAccountWithExternalId"

ROLE_NAME_PATTERN = r"^[\w+=,.@-]{1,64}$"
# IAM allows 128 characters; the rest is room for "-2", "-3", ... when the policy is split.
POLICY_NAME_PATTERN = r"^[\w+=,.@-]{1,120}$"


def _check(value: str, pattern: str, field: str, message: str) -> None:
    if not re.fullmatch(pattern, value, re.ASCII):
        raise InvalidInput(field, message)


@dataclass(frozen=True, slots=True)
class RoleSetup:
    """What the role in a trusting account is made of; invalid values do not construct."""

    trusted_account: str
    external_id: str
    role_name: str = DEFAULT_ROLE_NAME
    policy_name: str = DEFAULT_POLICY_NAME

    def __post_init__(self) -> None:
        _check(
            self.trusted_account,
            ACCOUNT_ID_PATTERN,
            "trustedAccount",
            "must be a 12-digit AWS account id",
        )
        validate_external_id(self.external_id, field="externalId")
        _check(
            self.role_name,
            ROLE_NAME_PATTERN,
            "roleName",
            "must be 1-64 of A-Z a-z 0-9 _+=,.@-",
        )
        _check(
            self.policy_name,
            POLICY_NAME_PATTERN,
            "policyName",
            "must be 1-120 of A-Z a-z 0-9 _+=,.@-",
        )

    @property
    def trusted_principal(self) -> str:
        """The trusted account's root: any of its users or roles that IAM there allows."""
        return f"arn:aws:iam::{self.trusted_account}:root"


def policy_chars(document: PolicyDocument) -> int:
    """The size IAM checks against its limits: the JSON without whitespace."""
    return len(json.dumps(document, separators=(",", ":")))


def _permission_document(actions: Sequence[str]) -> PolicyDocument:
    statement = {
        "Sid": PERMISSIONS_SID,
        "Effect": "Allow",
        "Action": list(actions),
        "Resource": "*",
    }
    return {"Version": POLICY_VERSION, "Statement": [statement]}


def permission_policies(
    actions: Sequence[str] | None = None, max_chars: int = MANAGED_POLICY_MAX_CHARS
) -> list[PolicyDocument]:
    """The permission policy as few documents as IAM's size limit allows (one, today).

    ``actions`` defaults to every action in the catalog.
    """
    chosen = iam_actions() if actions is None else list(actions)
    empty = policy_chars(_permission_document([]))
    chunks: list[list[str]] = [[]]
    size = empty
    for action in chosen:
        # Each action adds its quoted JSON string, plus a comma after the first.
        cost = len(json.dumps(action)) + (1 if chunks[-1] else 0)
        if chunks[-1] and size + cost > max_chars:
            chunks.append([])
            size, cost = empty, cost - 1
        if size + cost > max_chars:
            raise ValueError(f"{action} alone does not fit in a {max_chars}-character policy")
        chunks[-1].append(action)
        size += cost
    return [_permission_document(chunk) for chunk in chunks]


def permission_policy_names(policy_name: str, count: int) -> list[str]:
    """``policy_name`` for the first document, then ``policy_name-2``, ``-3``, ..."""
    return [policy_name if i == 1 else f"{policy_name}-{i}" for i in range(1, count + 1)]


def trust_document(principal: object, external_id: object) -> PolicyDocument:
    """The trust policy around a principal and External ID that may be CloudFormation
    expressions (``{"Ref": ...}``) as well as plain strings."""
    statement = {
        "Sid": TRUST_SID,
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
    }
    return {"Version": POLICY_VERSION, "Statement": [statement]}


def trust_policy(setup: RoleSetup) -> PolicyDocument:
    """Lets the trusted account assume the role, only with the External ID."""
    return trust_document(setup.trusted_principal, setup.external_id)
