"""Fault rules: which requests the proxy answers with an AWS failure, and how often.

Rules and counters are shared between the test thread (which adds rules and reads counts)
and the proxy's event loop (which matches requests), so every access holds one lock; each
hold is a few dictionary operations, never I/O.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum

from tether.emulator import aws_errors
from tether.emulator.aws_errors import AwsError, DenyWording, ErrorContext
from tether.emulator.aws_requests import Protocol


class FaultKind(StrEnum):
    REGION_DISABLED = "region_disabled"
    ACCESS_DENIED = "access_denied"
    THROTTLE = "throttle"
    SERVER_ERROR = "server_error"
    CONNECTION_RESET = "connection_reset"
    LATENCY = "latency"


@dataclass(frozen=True)
class RequestFacts:
    """What the proxy knows about one request when it decides on a fault."""

    account_id: str | None
    caller_arn: str | None
    region: str | None
    service: str | None
    action: str | None
    method: str
    path: str
    role_arn: str | None = None

    def error_context(self, protocol: Protocol) -> ErrorContext:
        return ErrorContext(
            protocol=protocol,
            service=self.service or "",
            action=self.action,
            caller_arn=self.caller_arn,
            account_id=self.account_id,
            region=self.region,
            resource_arn=self.role_arn,
        )


@dataclass(eq=False)
class FaultRule:
    """Filters (None matches anything), limits, and what to inject.

    Limits combine: the rule applies while it is younger than `duration_seconds`, to at most
    `first_n` matching requests, each with `probability`.
    """

    kind: FaultKind
    account_id: str | None = None
    region: str | None = None
    service: str | None = None
    action: str | None = None
    method: str | None = None
    path_prefix: str | None = None
    role_arn: str | None = None
    first_n: int | None = None
    probability: float | None = None
    duration_seconds: float | None = None
    wording: DenyWording = "iam"
    status: int = 500
    code: str | None = None
    latency_ms: tuple[float, float] = (100.0, 100.0)
    created_at: float = field(default_factory=time.monotonic)
    matched: int = 0
    injected: int = 0

    def matches(self, facts: RequestFacts) -> bool:
        wanted = (
            (self.account_id, facts.account_id),
            (self.region, facts.region),
            (self.service, facts.service),
            (self.action, facts.action),
            (self.method, facts.method),
            (self.role_arn, facts.role_arn),
        )
        if any(rule is not None and rule != actual for rule, actual in wanted):
            return False
        return self.path_prefix is None or facts.path.startswith(self.path_prefix)

    def error(self, ctx: ErrorContext) -> AwsError:
        """The AWS error this rule answers with (not for latency or connection resets)."""
        if self.kind is FaultKind.REGION_DISABLED:
            error = aws_errors.region_disabled(ctx)
        elif self.kind is FaultKind.ACCESS_DENIED:
            error = aws_errors.access_denied(ctx, self.wording)
        elif self.kind is FaultKind.THROTTLE:
            error = aws_errors.throttled(ctx)
        elif self.kind is FaultKind.SERVER_ERROR:
            error = aws_errors.server_error(self.status)
        else:
            raise ValueError(f"a {self.kind} rule answers with no error")
        return error if self.code is None else AwsError(error.status, self.code, error.message)

    def active(self, now: float) -> bool:
        if self.duration_seconds is not None and now - self.created_at >= self.duration_seconds:
            return False
        return self.first_n is None or self.injected < self.first_n


@dataclass(frozen=True)
class CallKey:
    account_id: str | None
    region: str | None
    service: str | None
    action: str | None


class Refusal(StrEnum):
    """Answers the proxy gives on its own, whatever the rules say."""

    INVALID_KEY_ID = "invalid_key_id"
    REGION_NOT_ENABLED = "region_not_enabled"
    EXPIRED_CREDENTIALS = "expired_credentials"
    SIGNATURE_MISMATCH = "signature_mismatch"

    @property
    def counter(self) -> str:
        """The `CallCounts` field that counts this refusal."""
        return _REFUSALS[self][0]

    def error(self, ctx: ErrorContext) -> AwsError:
        return _REFUSALS[self][1](ctx)


_REFUSALS: dict[Refusal, tuple[str, Callable[[ErrorContext], AwsError]]] = {
    Refusal.INVALID_KEY_ID: ("invalid_key", aws_errors.invalid_key_id),
    Refusal.REGION_NOT_ENABLED: ("faults", aws_errors.region_not_enabled),
    Refusal.EXPIRED_CREDENTIALS: ("expired", aws_errors.expired_token),
    Refusal.SIGNATURE_MISMATCH: ("bad_signature", aws_errors.signature_mismatch),
}


@dataclass
class CallCounts:
    """requests seen; faults injected (errors, resets, regions not enabled); delayed by a
    latency rule; rejected by trust-policy or session-duration enforcement; refused because
    the temporary credentials had expired, because the access key id is one AWS never
    issued (`invalid_key`), or because the signature does not match the key's secret
    (`bad_signature`)."""

    requests: int = 0
    faults: int = 0
    delayed: int = 0
    rejected: int = 0
    expired: int = 0
    invalid_key: int = 0
    bad_signature: int = 0

    def __add__(self, other: CallCounts) -> CallCounts:
        return CallCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


@dataclass(frozen=True)
class CallCounters(Mapping[CallKey, CallCounts]):
    """A snapshot of the counters, with sums over any filter."""

    by_key: Mapping[CallKey, CallCounts]

    def __getitem__(self, key: CallKey) -> CallCounts:
        return self.by_key[key]

    def __iter__(self) -> Iterator[CallKey]:
        return iter(self.by_key)

    def __len__(self) -> int:
        return len(self.by_key)

    def total(
        self,
        account_id: str | None = None,
        region: str | None = None,
        service: str | None = None,
        action: str | None = None,
    ) -> CallCounts:
        result = CallCounts()
        for key, counts in self.by_key.items():
            wanted = (
                (account_id, key.account_id),
                (region, key.region),
                (service, key.service),
                (action, key.action),
            )
            if all(rule is None or rule == actual for rule, actual in wanted):
                result = result + counts
        return result


@dataclass(frozen=True)
class Decision:
    """What to do with one request: wait `delay_seconds`, then inject `fault` or forward."""

    delay_seconds: float
    fault: FaultRule | None


class RuleBook:
    """The proxy's rules, default latency and counters, safe to use from any thread."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        # Seeded so a probabilistic fault pattern repeats run after run; not for secrets.
        self._rng = random.Random(seed)  # noqa: S311
        self._rules: list[FaultRule] = []
        self._latency_ms: tuple[float, float] | None = None
        self._counts: dict[CallKey, CallCounts] = {}

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules = [r for r in self._rules if r is not rule]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def set_latency(self, min_ms: float, max_ms: float) -> None:
        if not 0 <= min_ms <= max_ms:
            raise ValueError(f"need 0 <= min_ms <= max_ms, got {min_ms}, {max_ms}")
        with self._lock:
            self._latency_ms = (min_ms, max_ms)

    def clear_latency(self) -> None:
        with self._lock:
            self._latency_ms = None

    def decide(self, facts: RequestFacts, refusal: Refusal | None = None) -> Decision:
        """Apply every matching latency rule and the first matching fault rule.

        A request the proxy refuses on its own (`refusal`) is only delayed: no fault rule
        sees it, so none spends its `first_n` on it.
        """
        now = time.monotonic()
        key = _key(facts)
        with self._lock:
            counts = self._counts.setdefault(key, CallCounts())
            counts.requests += 1
            if refusal is not None:
                counter = refusal.counter
                setattr(counts, counter, getattr(counts, counter) + 1)
            delay_ms = self._sample(self._latency_ms) if self._latency_ms else 0.0
            fault: FaultRule | None = None
            for rule in self._rules:
                if refusal is not None and rule.kind is not FaultKind.LATENCY:
                    continue
                if not (rule.active(now) and rule.matches(facts)):
                    continue
                rule.matched += 1
                if rule.probability is not None and self._rng.random() >= rule.probability:
                    continue
                if rule.kind is FaultKind.LATENCY:
                    rule.injected += 1
                    counts.delayed += 1
                    delay_ms += self._sample(rule.latency_ms)
                elif fault is None:
                    rule.injected += 1
                    counts.faults += 1
                    fault = rule
            return Decision(delay_ms / 1000.0, fault)

    def record_rejection(self, facts: RequestFacts) -> None:
        with self._lock:
            self._counts.setdefault(_key(facts), CallCounts()).rejected += 1

    def counters(self) -> CallCounters:
        with self._lock:
            return CallCounters({k: CallCounts(**vars(v)) for k, v in self._counts.items()})

    def reset_counters(self) -> None:
        with self._lock:
            self._counts.clear()

    def _sample(self, bounds: tuple[float, float]) -> float:
        return self._rng.uniform(*bounds)


def _key(facts: RequestFacts) -> CallKey:
    return CallKey(facts.account_id, facts.region, facts.service, facts.action)
