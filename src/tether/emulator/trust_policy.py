"""Evaluate a role's trust policy for sts:AssumeRole, which moto accepts unconditionally.

Covers what onboarding roles use: AWS principals (account id, `:root`, user or role ARN,
`"*"`), Allow and Deny, and string conditions on `sts:ExternalId`, `aws:PrincipalAccount`
and `aws:PrincipalArn`. A condition on any other key, or with any other operator, does not
hold: the proxy denies what it cannot evaluate rather than allowing it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_ASSUMED_ROLE = re.compile(r"^arn:aws:sts::(\d{12}):assumed-role/([^/]+)/[^/]+$")
_IAM_ARN = re.compile(r"^arn:aws:iam::(\d{12}):(root|user/.+|role/.+)$")


@dataclass(frozen=True)
class Caller:
    """The identity making the AssumeRole call, as GetCallerIdentity reports it."""

    arn: str
    account_id: str

    @property
    def role_name(self) -> str | None:
        """The role of an assumed-role session (role chaining), else None."""
        match = _ASSUMED_ROLE.match(self.arn)
        return match.group(2) if match else None


def trust_allows(policy: Mapping[str, Any], caller: Caller, external_id: str | None) -> bool:
    """True when some Allow statement matches and no Deny statement does."""
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    context = {
        "sts:externalid": external_id,
        "aws:principalaccount": caller.account_id,
        "aws:principalarn": caller.arn,
    }
    allowed = False
    for statement in statements:
        if not (
            _action_matches(statement.get("Action"))
            and _principal_matches(statement.get("Principal"), caller)
            and _conditions_hold(statement.get("Condition", {}), context)
        ):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _action_matches(actions: Any) -> bool:
    return any(fnmatch.fnmatch("sts:assumerole", str(a).lower()) for a in _as_list(actions))


def _principal_matches(principal: Any, caller: Caller) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    return any(_aws_principal_matches(str(p), caller) for p in _as_list(principal.get("AWS")))


def _aws_principal_matches(principal: str, caller: Caller) -> bool:
    if principal in ("*", caller.arn):
        return True
    if principal.isdigit():
        return principal == caller.account_id
    match = _IAM_ARN.match(principal)
    if match is None or match.group(1) != caller.account_id:
        return False
    resource = match.group(2)
    if resource == "root":
        return True
    # An assumed-role session is trusted through its role's ARN (whatever the role's path).
    return resource.startswith("role/") and resource.rsplit("/", 1)[-1] == caller.role_name


def _conditions_hold(conditions: Mapping[str, Any], context: Mapping[str, str | None]) -> bool:
    for operator, tests in conditions.items():
        if_exists = operator.endswith("IfExists")
        base = operator.removesuffix("IfExists")
        for key, expected in tests.items():
            if key.lower() not in context:
                return False
            actual = context[key.lower()]
            if actual is None:
                # A missing key satisfies negated operators and IfExists, as in IAM.
                if if_exists or base.startswith("StringNot"):
                    continue
                return False
            if not _string_test(base, actual, [str(v) for v in _as_list(expected)]):
                return False
    return True


def _string_test(operator: str, actual: str, expected: list[str]) -> bool:
    if operator == "StringEquals":
        return actual in expected
    if operator == "StringNotEquals":
        return actual not in expected
    if operator == "StringLike":
        return any(fnmatch.fnmatchcase(actual, pattern) for pattern in expected)
    if operator == "StringEqualsIgnoreCase":
        return actual.lower() in (e.lower() for e in expected)
    return False
