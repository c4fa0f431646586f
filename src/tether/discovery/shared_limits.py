"""Token buckets shared by every worker process and host, kept in Redis.

AWS counts a bucket's requests across all of tether's workers, so the limit has to hold
across them too. Each bucket is a Redis hash (tokens, last refill, current rate, last
throttle); a Lua script refills it on Redis's own clock (``TIME``, so the hosts' clocks do
not matter) and takes a token or answers how long to wait, atomically, in one round trip.
The refill, halving and recovery rules are those of ``TokenBucket``.

Redis is an optimisation of correctness, not a dependency of a scan: while it does not
answer, each process limits on its own (``TokenBucket`` per bucket, as without Redis),
logs the outage once, and tries Redis again every few seconds. Needs Redis >= 5 (scripts
that read ``TIME`` and then write are replicated by effect).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.retry import Retry

from tether.discovery.limits import (
    DEFAULT_RATE,
    DOCUMENTED_RATES,
    MIN_RATE,
    RECOVERY_SECONDS,
    BucketKey,
    Limiter,
    Rate,
    RateLimiter,
    TokenBucket,
)

log = logging.getLogger(__name__)

# ARGV: documented rate, burst, recovery seconds, expiry (ms)[, minimum rate]. Brings the
# bucket up to now exactly as TokenBucket._refill does. A missing throttle time reads as
# 0 (1970): long enough ago.
_REFILL = """
local rate, burst, recovery = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated', 'per_second', 'throttled_at')
local tokens = math.min(burst, tonumber(state[1]) or burst)
local updated = tonumber(state[2]) or now
local per_second = math.min(rate, tonumber(state[3]) or rate)
local throttled_at = tonumber(state[4]) or 0
if per_second < rate and now - throttled_at > recovery then
  per_second = math.min(rate, per_second + rate / 10)
  throttled_at = now - recovery / 2
end
tokens = math.min(burst, tokens + math.max(0, now - updated) * per_second)
"""
_SAVE = """
redis.call('HSET', KEYS[1], 'tokens', tokens, 'updated', now, 'per_second', per_second,
           'throttled_at', throttled_at)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
"""
# Numbers go back as strings: Redis would truncate a Lua number to an integer.
_ACQUIRE = (
    _REFILL
    + """
local wait = 0
if tokens >= 1 - 1e-9 then tokens = tokens - 1 else wait = (1 - tokens) / per_second end
"""
    + _SAVE
    + "return {tostring(wait), tostring(per_second)}"
)
_THROTTLE = (
    _REFILL
    + """
per_second = math.max(tonumber(ARGV[5]), per_second / 2)
tokens = math.min(tokens, 0)
throttled_at = now
"""
    + _SAVE
    + "return tostring(per_second)"
)


def _where(redis_url: str) -> str:
    """The server of a URL without its credentials, for logs."""
    parts = urlsplit(redis_url)
    if parts.hostname is None:
        return parts.path
    return f"{parts.hostname}:{parts.port or 6379}{parts.path}"


class SharedBucket:
    """One bucket in Redis. ``per_second`` is the shared rate as last seen;
    ``throttles`` and ``waited_seconds`` count this process only."""

    def __init__(self, limiter: RedisRateLimiter, key: BucketKey, rate: Rate) -> None:
        self.key, self.rate = key, rate
        self.name = f"{limiter.prefix}:{key[0]}:{key[1]}:{key[2]}"
        self.per_second = rate.per_second
        self.throttles = 0
        self._limiter = limiter
        self._waited = 0.0
        self._fallback: TokenBucket | None = None
        self._lock = threading.Lock()

    @property
    def waited_seconds(self) -> float:
        fallback = self._fallback
        return self._waited + (fallback.waited_seconds if fallback is not None else 0.0)

    def acquire(self) -> None:
        """Take one token from the shared bucket, waiting as long as Redis says."""
        while True:
            reply = self._limiter.run(self._limiter.acquire_script, self)
            if reply is None:
                self._local().acquire()
                return
            wait, self.per_second = float(reply[0]), float(reply[1])
            if wait <= 0.0:
                return
            with self._lock:
                self._waited += wait
            time.sleep(wait)  # then ask again: other processes may take the token first

    def throttled(self) -> None:
        """AWS throttled a request of this bucket: halve the shared rate and drain it."""
        with self._lock:
            self.throttles += 1
        reply = self._limiter.run(self._limiter.throttle_script, self, MIN_RATE)
        if reply is None:
            self._local().throttled()
        else:
            self.per_second = float(reply)

    def _local(self) -> TokenBucket:
        with self._lock:
            if self._fallback is None:
                self._fallback = TokenBucket(self.rate)
                # Keep a throttled bucket slow; it recovers by the usual steps.
                self._fallback.per_second = min(self.rate.per_second, self.per_second)
            return self._fallback


class RedisRateLimiter:
    """Every bucket, shared through Redis by all processes that use the same ``prefix``.

    Thread-safe: buckets share one connection pool. The keyword arguments exist for
    tests and unusual deployments; the defaults fit AWS.
    """

    def __init__(
        self,
        redis_url: str,
        rates: dict[str, Rate] | None = None,
        default: Rate = DEFAULT_RATE,
        prefix: str = "tether:bucket",
        *,
        ttl_seconds: float = 3600.0,
        retry_seconds: float = 5.0,
        recovery_seconds: float = RECOVERY_SECONDS,
        connect_timeout: float = 0.5,
        read_timeout: float = 1.0,
    ) -> None:
        self.rates = dict(DOCUMENTED_RATES if rates is None else rates)
        self.default, self.prefix = default, prefix
        self.where = _where(redis_url)
        # One immediate retry rides over a connection Redis closed (restart, idle timeout);
        # redis-py's default of 10 with backoff would stall every call of an outage.
        self.client = redis.Redis.from_url(
            redis_url,
            socket_connect_timeout=connect_timeout,
            socket_timeout=read_timeout,
            retry=Retry(NoBackoff(), 1),
        )
        self.acquire_script: Script = self.client.register_script(_ACQUIRE)
        self.throttle_script: Script = self.client.register_script(_THROTTLE)
        self._ttl_ms = max(1, round(ttl_seconds * 1000))
        self._retry_seconds = retry_seconds
        self._recovery_seconds = recovery_seconds
        self._buckets: dict[BucketKey, SharedBucket] = {}
        self._lock = threading.Lock()
        # While Redis is out: when the outage began and when to try it next (monotonic).
        self._down_since: float | None = None
        self._next_try = 0.0

    def bucket(self, key: BucketKey) -> SharedBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            with self._lock:
                bucket = self._buckets.get(key)
                if bucket is None:
                    rate = self.rates.get(key[2], self.default)
                    bucket = self._buckets[key] = SharedBucket(self, key, rate)
        return bucket

    def buckets(self) -> dict[BucketKey, SharedBucket]:
        with self._lock:
            return dict(self._buckets)

    def close(self) -> None:
        self.client.close()

    def run(self, script: Script, bucket: SharedBucket, *extra: float) -> Any | None:
        """The script's reply for ``bucket``, or None while Redis does not answer."""
        started = time.monotonic()
        if not self._shared(started):
            return None
        rate = bucket.rate
        args = [rate.per_second, rate.burst, self._recovery_seconds, self._ttl_ms, *extra]
        try:
            reply = script(keys=[bucket.name], args=args)
        except redis.RedisError as error:
            self._lost(error)
            return None
        if self._down_since is not None:
            self._answered(started)
        return reply

    def _shared(self, now: float) -> bool:
        if self._down_since is None:
            return True
        with self._lock:
            if self._down_since is None:
                return True
            if now < self._next_try:
                return False
            # This caller tries Redis; the others keep to their own buckets meanwhile.
            self._next_try = now + self._retry_seconds
            return True

    def _lost(self, error: redis.RedisError) -> None:
        with self._lock:
            first = self._down_since is None
            now = time.monotonic()
            if first:
                self._down_since = now
            self._next_try = now + self._retry_seconds
        if first:
            log.warning(
                "Redis at %s does not answer (%s: %s): each process limits AWS requests on "
                "its own until it does; trying again every %g s",
                self.where,
                type(error).__name__,
                error,
                self._retry_seconds,
            )

    def _answered(self, started: float) -> None:
        with self._lock:
            # A call that began before the outage proves nothing about its end.
            if self._down_since is None or started < self._down_since:
                return
            outage = time.monotonic() - self._down_since
            self._down_since = None
        log.info(
            "Redis at %s answers again after %.1f s: rate limits are shared again",
            self.where,
            outage,
        )


def make_limiter(redis_url: str | None) -> Limiter:
    """The shared limiter when workers have a Redis to share it through, else per process."""
    if redis_url:
        return RedisRateLimiter(redis_url)
    return RateLimiter()
