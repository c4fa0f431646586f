"""Trust-policy evaluation for AssumeRole (pure: no moto needed)."""

from __future__ import annotations

from typing import Any

import pytest

from tether.emulator.trust_policy import Caller, trust_allows

USER = Caller("arn:aws:iam::111111111111:user/scanner", "111111111111")
SESSION = Caller("arn:aws:sts::111111111111:assumed-role/Hub/run-42", "111111111111")
STRANGER = Caller("arn:aws:iam::999999999999:user/scanner", "999999999999")


def _policy(principal: Any, condition: dict[str, Any] | None = None, effect: str = "Allow") -> Any:
    statement: dict[str, Any] = {
        "Effect": effect,
        "Principal": principal,
        "Action": "sts:AssumeRole",
    }
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize(
    ("principal", "caller", "allowed"),
    [
        ({"AWS": "arn:aws:iam::111111111111:root"}, USER, True),
        ({"AWS": "arn:aws:iam::111111111111:root"}, SESSION, True),
        ({"AWS": "arn:aws:iam::111111111111:root"}, STRANGER, False),
        ({"AWS": "111111111111"}, USER, True),
        ({"AWS": ["222222222222", "111111111111"]}, USER, True),
        ({"AWS": "arn:aws:iam::111111111111:user/scanner"}, USER, True),
        ({"AWS": "arn:aws:iam::111111111111:user/other"}, USER, False),
        ({"AWS": "arn:aws:iam::111111111111:role/Hub"}, SESSION, True),
        ({"AWS": "arn:aws:iam::111111111111:role/ops/Hub"}, SESSION, True),
        ({"AWS": "arn:aws:iam::111111111111:role/Other"}, SESSION, False),
        ({"AWS": "arn:aws:iam::111111111111:role/Hub"}, USER, False),
        ({"AWS": "*"}, STRANGER, True),
        ("*", STRANGER, True),
        ({"Service": "ec2.amazonaws.com"}, USER, False),
    ],
)
def test_principals(principal: Any, caller: Caller, allowed: bool) -> None:
    assert trust_allows(_policy(principal), caller, None) is allowed


@pytest.mark.parametrize(
    ("condition", "external_id", "allowed"),
    [
        ({"StringEquals": {"sts:ExternalId": "abc-123"}}, "abc-123", True),
        ({"StringEquals": {"sts:ExternalId": "abc-123"}}, "abc-124", False),
        ({"StringEquals": {"sts:ExternalId": "abc-123"}}, None, False),
        ({"StringEquals": {"sts:ExternalId": ["x", "abc-123"]}}, "abc-123", True),
        ({"StringLike": {"sts:ExternalId": "abc-*"}}, "abc-999", True),
        ({"StringEqualsIfExists": {"sts:ExternalId": "abc"}}, None, True),
        ({"StringEquals": {"aws:PrincipalAccount": "111111111111"}}, None, True),
        ({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}, None, False),
        ({"NumericLessThan": {"sts:ExternalId": "5"}}, "3", False),
    ],
)
def test_conditions(condition: dict[str, Any], external_id: str | None, allowed: bool) -> None:
    policy = _policy({"AWS": "111111111111"}, condition)
    assert trust_allows(policy, USER, external_id) is allowed


def test_deny_overrides_allow() -> None:
    policy = _policy({"AWS": "111111111111"})
    policy["Statement"].append(
        {"Effect": "Deny", "Principal": {"AWS": USER.arn}, "Action": "sts:*"}
    )
    assert trust_allows(policy, USER, None) is False
    assert trust_allows(policy, SESSION, None) is True


def test_statement_for_another_action_does_not_allow() -> None:
    policy = _policy({"AWS": "111111111111"})
    policy["Statement"][0]["Action"] = "sts:TagSession"
    assert trust_allows(policy, USER, None) is False


def test_role_chaining_caller_knows_its_role() -> None:
    assert SESSION.role_name == "Hub"
    assert USER.role_name is None
