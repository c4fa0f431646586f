"""The result of validating an AWS credential, step by step, as users read it."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"  # works, with a limitation the user should know of
    SKIPPED = "skipped"  # not tried, because an earlier step failed


@dataclass(frozen=True, slots=True)
class Step:
    step: str
    outcome: Outcome
    reason: str
    error_code: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class RegionCheck:
    region: str
    outcome: Outcome
    reason: str
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class PermissionCheck:
    service: str
    title: str
    action: str
    region: str
    outcome: Outcome
    reason: str
    error_code: str | None = None


class Authorization(enum.StrEnum):
    FULL = "full"
    PARTIAL = "partial"  # some services denied; discovery skips them


@dataclass(frozen=True, slots=True)
class ValidationReport:
    steps: tuple[Step, ...]
    regions: tuple[RegionCheck, ...] = ()
    permissions: tuple[PermissionCheck, ...] = ()
    caller_arn: str | None = None
    monitored_account: str | None = None
    # The regions to onboard ("All" resolved) and those excluded as not enabled.
    selected_regions: tuple[str, ...] = ()
    excluded_regions: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(step.outcome is not Outcome.FAILED for step in self.steps)

    @property
    def authorization(self) -> Authorization | None:
        if not self.permissions:
            return None
        denied = any(check.outcome is not Outcome.PASSED for check in self.permissions)
        return Authorization.PARTIAL if denied else Authorization.FULL

    @property
    def failures(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.outcome is Outcome.FAILED)

    def to_dict(self) -> dict[str, Any]:
        shown = asdict(self)
        shown["ok"] = self.ok
        shown["authorization"] = self.authorization
        return shown
