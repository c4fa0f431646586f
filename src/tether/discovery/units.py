"""Collecting one unit (account, region, resource type): metered, rate-limited, and
ending in exactly one outcome, never an exception."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from tether.aws.errors import FailureKind, classify
from tether.aws.metering import is_throttle, observing
from tether.aws.sessions import AwsIdentity
from tether.catalog.base import ResourceSpec, Where
from tether.discovery.collector import collect
from tether.discovery.limits import Limiter
from tether.domain.resources import ResourceRecord
from tether.store.types import utcnow

log = logging.getLogger(__name__)

GLOBAL = "global"  # the region of a global service's unit
# Where a global service's requests go (its endpoint region).
GLOBAL_ENDPOINT_REGION = "us-east-1"

UNIT_STATUS = {
    FailureKind.ACCESS_DENIED: "denied",
    FailureKind.DENIED_BY_SCP: "denied",
    FailureKind.REGION_DISABLED: "skipped",
    FailureKind.STS_REGION_DISABLED: "skipped",
    FailureKind.NOT_AVAILABLE: "skipped",
    FailureKind.THROTTLED: "throttled",
}


class UnitMeter:
    """The ``CallObserver`` of one unit: a token per attempt from the unit's bucket, and
    the unit's counts of calls and throttles."""

    def __init__(self, limiter: Limiter, account_id: str, unit_region: str) -> None:
        self.limiter, self.account_id, self.unit_region = limiter, account_id, unit_region
        self.calls = 0
        self.throttles = 0

    def _key(self, service: str, region: str) -> tuple[str, str, str]:
        return (self.account_id, GLOBAL if self.unit_region == GLOBAL else region, service)

    def before_attempt(self, service: str, region: str, operation: str) -> None:
        self.limiter.bucket(self._key(service, region)).acquire()
        self.calls += 1

    def after_attempt(
        self, service: str, region: str, operation: str, error_code: str | None
    ) -> None:
        if is_throttle(error_code):
            self.throttles += 1
            self.limiter.bucket(self._key(service, region)).throttled()


@dataclass(slots=True)
class UnitOutcome:
    status: str  # ok | skipped | denied | throttled | failed
    records: list[ResourceRecord] = field(default_factory=list)
    api_calls: int = 0
    throttles: int = 0
    error_code: str | None = None
    error: str | None = None
    action: str | None = None  # the IAM action AWS denied
    started_at: datetime = field(default_factory=utcnow)
    finished_at: datetime = field(default_factory=utcnow)
    seconds: float = 0.0


# Calls made for the unit's credentials (a role session's refresh), not by its service.
STS_OPERATIONS = frozenset({"AssumeRole", "GetCallerIdentity", "GetSessionToken"})


def _denied_action(spec: ResourceSpec, error: ClientError) -> str:
    operation = error.operation_name
    if operation in STS_OPERATIONS:
        return f"sts:{operation}"
    call = next((c for c in spec.calls if c.operation == operation), None)
    if call is not None:
        return call.action(spec.service.iam_prefix)
    return f"{spec.service.iam_prefix}:{operation}"


def collect_unit(
    identity: AwsIdentity,
    spec: ResourceSpec,
    account_id: str,
    unit_region: str,
    limiter: Limiter,
) -> UnitOutcome:
    """Collect ``spec`` in one account and region; every failure becomes the outcome."""
    meter = UnitMeter(limiter, account_id, unit_region)
    region = GLOBAL_ENDPOINT_REGION if unit_region == GLOBAL else unit_region
    started, clock = utcnow(), time.perf_counter()
    outcome = UnitOutcome("ok", started_at=started)
    try:
        with observing(meter):
            outcome.records = collect(identity, spec, Where("aws", account_id, region)).records
    except (ClientError, BotoCoreError) as error:
        failure = classify(error)
        outcome.status = UNIT_STATUS.get(failure.kind, "failed")
        outcome.error_code, outcome.error = failure.code or failure.kind.value, failure.reason
        if failure.denied and isinstance(error, ClientError):
            outcome.action = _denied_action(spec, error)
    except Exception as error:  # a defect in a normaliser must not end the scan
        log.exception("unit %s/%s/%s failed", account_id, unit_region, spec.type_code)
        outcome.status, outcome.error_code = "failed", "internal_error"
        outcome.error = f"{type(error).__name__}: {error}"
    outcome.api_calls, outcome.throttles = meter.calls, meter.throttles
    outcome.finished_at, outcome.seconds = utcnow(), time.perf_counter() - clock
    return outcome
