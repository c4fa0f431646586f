"""Install-time validation: each step of the seed's set-up, checked and explained.

The steps: the keys are valid and belong to the Account Number given; the role can be
assumed with the External ID (retrying while a new role propagates through IAM); every
selected region is usable (any one failing fails them all, as the seed says); and a
permission matrix of one harmless read per catalog service. Nothing is stored here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from tether.aws.calls import invoke
from tether.aws.errors import AwsFailure, FailureKind, classify
from tether.aws.regions import RegionSelection, RegionStatus
from tether.aws.sessions import AwsIdentity, AwsSessions
from tether.catalog import registry
from tether.catalog.base import Service
from tether.catalog.services import DESCRIBE_REGIONS, EC2, REGION_CHECK
from tether.domain.credentials import AwsCredential, AwsType
from tether.domain.validation import (
    Outcome,
    PermissionCheck,
    RegionCheck,
    Step,
    ValidationReport,
)

AWS_ERRORS = (ClientError, BotoCoreError)
StepListener = Callable[[Step], None]


@dataclass(frozen=True, slots=True)
class ValidationOptions:
    # How long AccessDenied on AssumeRole is retried: IAM takes 10-30 s to propagate a new
    # role or trust policy.
    propagation_seconds: float = 30.0
    label: str = "validation"
    parallelism: int = 16


class _Run:
    """One validation: collects steps and tells a listener as each one ends."""

    def __init__(self, listener: StepListener | None) -> None:
        self.steps: list[Step] = []
        self.listener = listener

    def add(self, step: Step) -> Step:
        self.steps.append(step)
        if self.listener is not None:
            self.listener(step)
        return step

    def fail(self, name: str, reason: str, failure: AwsFailure | None = None) -> None:
        self.add(Step(name, Outcome.FAILED, reason, failure.code if failure else None))


def validate_credential(
    sessions: AwsSessions,
    credential: AwsCredential,
    regions: RegionSelection,
    options: ValidationOptions | None = None,
    listener: StepListener | None = None,
) -> ValidationReport:
    options = options or ValidationOptions()
    run = _Run(listener)
    home = sessions.factory.settings.home_region
    base = sessions.base(credential.access_key, options.label)
    try:
        caller = base.client("sts", home).get_caller_identity()
    except AWS_ERRORS as error:
        failure = classify(error, keys_proven=False)
        what = "the access key and secret" if credential.access_key else "the host's credentials"
        run.fail("credentials", f"{what} did not work: {failure.reason}", failure)
        return ValidationReport(tuple(run.steps))
    caller_arn, caller_account = caller["Arn"], caller["Account"]
    run.add(Step("credentials", Outcome.PASSED, f"authenticated as {caller_arn}"))
    if not _account_matches(run, credential, caller_account):
        return ValidationReport(tuple(run.steps), caller_arn=caller_arn)

    identity = base
    if credential.role is not None:
        assumed = _assume_role(run, base, credential, options)
        if assumed is None:
            return ValidationReport(tuple(run.steps), caller_arn=caller_arn)
        identity = assumed
    monitored = credential.monitored_account or caller_account

    statuses = _region_statuses(run, identity, home, regions)
    if statuses is None:
        return ValidationReport(
            tuple(run.steps), caller_arn=caller_arn, monitored_account=monitored
        )
    selected, excluded = _resolve(regions, statuses)
    with ThreadPoolExecutor(options.parallelism) as pool:
        checks = list(pool.map(lambda region: _check_region(identity, region, statuses), selected))
        usable = [check.region for check in checks if check.outcome is Outcome.PASSED]
        probe_region = usable[0] if usable else home
        permissions = list(
            pool.map(lambda svc: _probe(identity, svc, probe_region), registry.services())
        )
    _conclude_regions(run, checks, excluded)
    _conclude_permissions(run, permissions)
    return ValidationReport(
        tuple(run.steps),
        tuple(checks),
        tuple(permissions),
        caller_arn,
        monitored,
        tuple(selected),
        tuple(excluded),
    )


def _account_matches(run: _Run, credential: AwsCredential, caller_account: str) -> bool:
    expected = credential.account_number
    if expected is None:
        run.add(Step("account_number", Outcome.SKIPPED, "no Account Number given"))
        return True
    if caller_account == expected:
        run.add(Step("account_number", Outcome.PASSED, f"the keys belong to account {expected}"))
        return True
    whose = (
        "the monitored account"
        if credential.aws_type is AwsType.IAM
        else "the trusted account, whose keys assume the role"
    )
    run.fail(
        "account_number",
        f"the keys belong to account {caller_account}, not {expected}; "
        f"the Account Number must be {whose}",
    )
    return False


def _assume_role(
    run: _Run, base: AwsIdentity, credential: AwsCredential, options: ValidationOptions
) -> AwsIdentity | None:
    role = credential.role
    assert role is not None
    deadline = time.monotonic() + options.propagation_seconds
    pause, attempts = 1.0, 0
    while True:
        attempts += 1
        try:
            identity = base.assume(role, options.label)
        except AWS_ERRORS as error:
            failure = classify(error)
            if failure.kind is FailureKind.ACCESS_DENIED and time.monotonic() + pause < deadline:
                time.sleep(pause)  # a new role or trust policy may still be propagating
                pause = min(pause * 2, 5.0)
                continue
            run.fail("assume_role", _assume_role_reason(credential, failure, attempts), failure)
            return None
        waited = f" after {attempts} attempts (IAM propagation)" if attempts > 1 else ""
        run.add(Step("assume_role", Outcome.PASSED, f"assumed {role.role_arn}{waited}"))
        return identity


def _assume_role_reason(credential: AwsCredential, failure: AwsFailure, attempts: int) -> str:
    role = credential.role
    assert role is not None
    if failure.kind is not FailureKind.ACCESS_DENIED:
        return f"AssumeRole into {role.role_arn} failed: {failure.reason}"
    external = (
        "the External ID given matches the one in its trust policy"
        if role.external_id
        else "its trust policy does not require an External ID (none was given)"
    )
    trusted = (
        f"the trusted account {credential.account_number}"
        if credential.account_number
        else "the host's account"
    )
    return (
        f"AssumeRole into {role.role_arn} was refused ({attempts} attempts): {failure.reason}. "
        f"Check that the role exists, that its trust policy names {trusted} as principal, "
        f"and that {external}"
    )


def _region_statuses(
    run: _Run, identity: AwsIdentity, home: str, regions: RegionSelection
) -> dict[str, RegionStatus] | None:
    try:
        answer = invoke(identity.client("ec2", home), DESCRIBE_REGIONS)
    except AWS_ERRORS as error:
        failure = classify(error)
        if not regions.all:
            # Explicit regions can still be checked one by one.
            return {}
        action = DESCRIBE_REGIONS.action(EC2.iam_prefix)
        run.fail(
            "regions", f"cannot list the account's regions ({action}): {failure.reason}", failure
        )
        return None
    return {
        item["RegionName"]: RegionStatus(item["RegionName"], item.get("OptInStatus", ""))
        for item in answer.get("Regions", [])
    }


def _resolve(
    regions: RegionSelection, statuses: dict[str, RegionStatus]
) -> tuple[list[str], list[str]]:
    if not regions.all:
        return list(regions.names), []
    names = sorted(statuses)
    return [n for n in names if statuses[n].enabled], [n for n in names if not statuses[n].enabled]


def _check_region(
    identity: AwsIdentity, region: str, statuses: dict[str, RegionStatus]
) -> RegionCheck:
    status = statuses.get(region)
    if status is not None and not status.enabled:
        return RegionCheck(
            region, Outcome.FAILED, "region not enabled for this account (opt-in)", None
        )
    try:
        # STS answers only where it is active; GetCallerIdentity needs no permission.
        identity.client("sts", region).get_caller_identity()
        invoke(identity.client("ec2", region), REGION_CHECK)
    except AWS_ERRORS as error:
        failure = classify(error)
        return RegionCheck(region, Outcome.FAILED, failure.reason, failure.code)
    return RegionCheck(region, Outcome.PASSED, "usable")


def _probe(identity: AwsIdentity, service: Service, region: str) -> PermissionCheck:
    where = "us-east-1" if service.is_global else region
    action = service.probe_action
    try:
        invoke(identity.client(service.client_name, where), service.probe)
    except AWS_ERRORS as error:
        failure = classify(error)
        outcome = Outcome.FAILED if failure.denied else Outcome.WARNING
        return PermissionCheck(
            service.client_name, service.title, action, where, outcome, failure.reason, failure.code
        )
    return PermissionCheck(
        service.client_name, service.title, action, where, Outcome.PASSED, "allowed"
    )


def _conclude_regions(run: _Run, checks: Iterable[RegionCheck], excluded: list[str]) -> None:
    checks = list(checks)
    if excluded:
        run.add(
            Step(
                "regions",
                Outcome.PASSED,
                "not enabled, so excluded from All: " + ", ".join(excluded),
            )
        )
    failed = [check for check in checks if check.outcome is Outcome.FAILED]
    for check in checks:
        run.add(
            Step(
                f"region {check.region}",
                check.outcome,
                check.reason,
                check.error_code,
                check.region,
            )
        )
    if failed:
        names = "; ".join(f"{check.region}: {check.reason}" for check in failed)
        run.fail(
            "regions",
            f"onboarding fails for all {len(checks)} selected regions because "
            f"{len(failed)} cannot be used ({names})",
        )
    elif checks:
        run.add(Step("regions", Outcome.PASSED, f"all {len(checks)} selected regions are usable"))


def _conclude_permissions(run: _Run, permissions: list[PermissionCheck]) -> None:
    denied = [check for check in permissions if check.outcome is Outcome.FAILED]
    other = [check for check in permissions if check.outcome is Outcome.WARNING]
    if not denied and not other:
        run.add(Step("permissions", Outcome.PASSED, f"all {len(permissions)} services readable"))
        return
    parts = []
    if denied:
        parts.append("denied: " + ", ".join(f"{c.title} ({c.action})" for c in denied))
    if other:
        parts.append("not checked: " + ", ".join(f"{c.title} ({c.reason})" for c in other))
    run.add(Step("permissions", Outcome.WARNING, "partially authorized; " + "; ".join(parts)))
