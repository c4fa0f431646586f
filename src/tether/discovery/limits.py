"""Token buckets per AWS throttling bucket, at the rates AWS documents.

AWS throttles per account, per region, per service (EC2, ELB, RDS, ... each its own bucket;
global services once per account). A scan takes a token before every request, so it stays
under the documented rate instead of provoking throttles; when AWS throttles anyway (other
tools share the account's budget), only that bucket slows down: its rate halves and then
recovers step by step while no throttle is seen. Other buckets, and so the rest of the
scan, are unaffected.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

BucketKey = tuple[str, str, str]  # (account id, region or "global", service)


@dataclass(frozen=True, slots=True)
class Rate:
    per_second: float  # refill
    burst: int  # bucket size


# From AWS's documentation (see reference/aws-facts.md); services AWS does not document get
# DEFAULT_RATE, below every documented one.
DOCUMENTED_RATES: dict[str, Rate] = {
    "ec2": Rate(20.0, 100),
    "elb": Rate(10.0, 40),
    "elbv2": Rate(10.0, 40),
    "rds": Rate(12.0, 300),
    "lambda": Rate(15.0, 15),
    "sts": Rate(600.0, 600),
    "cloudwatch": Rate(25.0, 25),
}
DEFAULT_RATE = Rate(10.0, 20)
MIN_RATE = 0.5  # a throttled bucket never stops altogether
RECOVERY_SECONDS = 2.0  # throttle-free time before a slowed bucket speeds up again
_EPSILON = 1e-9  # float refill may land a hair short of a whole token


class Bucket(Protocol):
    """One throttling bucket as a unit sees it, whether per process or shared by workers."""

    @property
    def rate(self) -> Rate: ...  # the documented rate

    @property
    def per_second(self) -> float: ...  # the refill rate now (lower after throttles)

    @property
    def throttles(self) -> int: ...  # throttles reported through this process

    @property
    def waited_seconds(self) -> float: ...  # time this process spent waiting for tokens

    def acquire(self) -> None: ...

    def throttled(self) -> None: ...


class Limiter(Protocol):
    """Hands out the bucket of an (account, region, service)."""

    def bucket(self, key: BucketKey) -> Bucket: ...

    def buckets(self) -> Mapping[BucketKey, Bucket]: ...


class TokenBucket:
    """One throttling bucket; thread-safe. ``clock``/``sleep`` are injectable for tests."""

    def __init__(
        self,
        rate: Rate,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.per_second = rate.per_second
        self.tokens = float(rate.burst)
        self._clock, self._sleep = clock, sleep
        self._updated = clock()
        self._last_throttle = float("-inf")
        self._lock = threading.Lock()
        self.throttles = 0
        self.waited_seconds = 0.0

    def _refill(self, now: float) -> None:
        if self.per_second < self.rate.per_second and now - self._last_throttle > RECOVERY_SECONDS:
            # Additive increase: a tenth of the documented rate per quiet period.
            self.per_second = min(self.rate.per_second, self.per_second + self.rate.per_second / 10)
            self._last_throttle = now - RECOVERY_SECONDS / 2
        elapsed = max(0.0, now - self._updated)
        self.tokens = min(float(self.rate.burst), self.tokens + elapsed * self.per_second)
        self._updated = now

    def acquire(self) -> None:
        """Take one token, waiting for it if the bucket is empty."""
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                if self.tokens >= 1.0 - _EPSILON:  # float refill may land a hair short
                    self.tokens -= 1.0
                    return
                wait = (1.0 - self.tokens) / self.per_second
            self.waited_seconds += wait
            self._sleep(wait)

    def throttled(self) -> None:
        """AWS throttled a request of this bucket: halve the rate and drain it."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self.per_second = max(MIN_RATE, self.per_second / 2)
            self.tokens = min(self.tokens, 0.0)
            self._last_throttle = now
            self.throttles += 1


class RateLimiter:
    """Every bucket of the process, created on first use at its documented rate."""

    def __init__(self, rates: dict[str, Rate] | None = None, default: Rate = DEFAULT_RATE) -> None:
        self.rates = dict(DOCUMENTED_RATES if rates is None else rates)
        self.default = default
        self._buckets: dict[BucketKey, TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, key: BucketKey) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            with self._lock:
                bucket = self._buckets.setdefault(
                    key, TokenBucket(self.rates.get(key[2], self.default))
                )
        return bucket

    def buckets(self) -> dict[BucketKey, TokenBucket]:
        with self._lock:
            return dict(self._buckets)
