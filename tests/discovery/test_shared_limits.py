"""The shared limiter against a real redis-server: one budget across processes, throttles
seen by all of them, keys that expire, and scans that carry on when Redis goes away."""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest
import redis

from tests.support.redis import RedisServer
from tether.discovery.limits import Bucket, Rate, RateLimiter
from tether.discovery.shared_limits import RedisRateLimiter, make_limiter

KEY = ("111111111111", "us-east-1", "test")
TEST_RATE = Rate(40.0, 10)
FREE_RATE = Rate(1_000_000.0, 1_000_000)  # never waits: measures Redis alone
LOGGER = "tether.discovery.shared_limits"

MakeLimiter = Callable[..., RedisRateLimiter]


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of the test's own, removed afterwards."""
    name = f"test:{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def make(redis_url: str, prefix: str) -> Iterator[MakeLimiter]:
    """RedisRateLimiters on the session's Redis and the test's prefix, closed afterwards."""
    made: list[RedisRateLimiter] = []

    def build(rate: Rate = TEST_RATE, **options: Any) -> RedisRateLimiter:
        limiter = RedisRateLimiter(redis_url, {"test": rate}, prefix=prefix, **options)
        made.append(limiter)
        return limiter

    yield build
    for limiter in made:
        limiter.close()


def _state(limiter: RedisRateLimiter, key: tuple[str, str, str]) -> dict[str, float]:
    raw = limiter.client.hgetall(limiter.bucket(key).name)
    return {_text(field): float(value) for field, value in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _take_for(bucket: Bucket, seconds: float, start: float, report: list[float]) -> None:
    granted, last = 0, start
    while time.time() < start + seconds:
        bucket.acquire()
        granted += 1
        last = time.time()
    report.extend([last, granted])


def _hammer(
    redis_url: str,
    prefix: str,
    seconds: float,
    barrier: Barrier,
    results: multiprocessing.Queue[tuple[float, float, int, int]],
) -> None:
    """One worker process: two threads take tokens of KEY as fast as they are allowed, one
    from the shared bucket, one from a per-process RateLimiter (each worker's own budget,
    as before buckets were shared)."""
    rates = {"test": TEST_RATE}
    shared = RedisRateLimiter(redis_url, rates, prefix=prefix).bucket(KEY)
    local = RateLimiter(rates).bucket(KEY)
    barrier.wait()
    start = time.time()
    reports: tuple[list[float], list[float]] = ([], [])
    threads = [
        threading.Thread(target=_take_for, args=(bucket, seconds, start, report))
        for bucket, report in zip((shared, local), reports, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (last, shared_granted), (_, local_granted) = reports
    results.put((start, last, int(shared_granted), int(local_granted)))


def test_the_rate_holds_across_processes(redis_url: str, prefix: str) -> None:
    seconds, processes = 2.0, 3
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    results: multiprocessing.Queue[tuple[float, float, int, int]] = context.Queue()
    workers = [
        context.Process(target=_hammer, args=(redis_url, prefix, seconds, barrier, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        reports = [results.get(timeout=60) for _ in workers]
    finally:
        for worker in workers:
            worker.join(30)
    assert all(worker.exitcode == 0 for worker in workers)

    shared = sum(report[2] for report in reports)
    local = sum(report[3] for report in reports)
    elapsed = max(report[1] for report in reports) - min(report[0] for report in reports)
    print(f"granted in {elapsed:.2f} s: shared {shared}, per process {local}")
    planned = TEST_RATE.burst + TEST_RATE.per_second * seconds  # one bucket's budget
    assert shared <= TEST_RATE.burst + TEST_RATE.per_second * elapsed + 2  # +2: float edges
    assert shared >= 0.7 * planned  # the workers do use the budget
    # Per-process buckets: every worker spends a whole budget of its own.
    assert local >= 0.8 * processes * planned


def test_a_throttle_through_one_limiter_slows_the_others_until_it_recovers(
    make: MakeLimiter,
) -> None:
    reporter, other = make(), make()
    reporter.bucket(KEY).throttled()
    bucket = other.bucket(KEY)
    started = time.monotonic()
    for _ in range(6):
        bucket.acquire()
    # Drained and at 20/s: 6 tokens take 0.3 s (unthrottled, the burst of 10 is free);
    # less the refill while this busy machine got from the throttle to here.
    assert time.monotonic() - started >= 0.15
    assert bucket.waited_seconds >= 0.15
    assert bucket.per_second == 20.0
    assert (reporter.bucket(KEY).throttles, bucket.throttles) == (1, 0)

    for _ in range(3):
        reporter.bucket(KEY).throttled()
    assert _state(other, KEY)["per_second"] == 2.5
    # Recovery: a tenth of the documented rate per quiet period (shortened for the test).
    quick = make(recovery_seconds=0.2).bucket(KEY)
    seen = [2.5]
    deadline = time.monotonic() + 10.0
    while seen[-1] < TEST_RATE.per_second and time.monotonic() < deadline:
        quick.acquire()
        seen.append(quick.per_second)
        time.sleep(0.02)
    assert seen[-1] == TEST_RATE.per_second
    steps = [after - before for before, after in itertools.pairwise(seen)]
    assert all(0.0 <= step <= TEST_RATE.per_second / 10 + 1e-9 for step in steps)
    bucket.acquire()
    assert bucket.per_second == TEST_RATE.per_second  # the first limiter sees it too


def test_buckets_of_different_keys_are_independent(make: MakeLimiter) -> None:
    limiter = make()
    other_keys = [
        ("111111111111", "eu-west-1", "test"),
        ("222222222222", "us-east-1", "test"),
        ("111111111111", "us-east-1", "other"),
    ]
    for _ in range(TEST_RATE.burst):
        limiter.bucket(KEY).acquire()
    limiter.bucket(KEY).throttled()
    for key in other_keys:
        bucket = limiter.bucket(key)
        for _ in range(bucket.rate.burst):
            bucket.acquire()
        assert bucket.waited_seconds == 0.0  # a full burst of its own
        assert bucket.per_second == bucket.rate.per_second
    assert _state(limiter, KEY)["per_second"] == 20.0
    assert len({limiter.bucket(key).name for key in [KEY, *other_keys]}) == 4


def test_bucket_keys_expire(make: MakeLimiter) -> None:
    limiter = make()
    limiter.bucket(KEY).acquire()
    ttl_ms = limiter.client.pttl(limiter.bucket(KEY).name)
    assert 3_590_000 < ttl_ms <= 3_600_000  # an hour after last use

    brief = make(ttl_seconds=0.3)
    brief.bucket(KEY).throttled()  # the throttle script refreshes the expiry too
    name = brief.bucket(KEY).name
    assert 0 < brief.client.pttl(name) <= 300
    deadline = time.monotonic() + 10.0
    while brief.client.exists(name) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not brief.client.exists(name)


def test_a_redis_outage_falls_back_to_per_process_buckets_and_back(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    limiter = RedisRateLimiter(own_redis.url, {"test": FREE_RATE}, retry_seconds=0.3)
    bucket = limiter.bucket(KEY)
    observer = redis.Redis.from_url(own_redis.url)
    try:
        bucket.acquire()
        own_redis.restart()  # between calls: a stale connection and no script, no outage
        bucket.acquire()
        assert observer.exists(bucket.name)
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]

        own_redis.stop()
        errors: list[BaseException] = []

        def scan_thread() -> None:  # units run in threads: still one warning
            try:
                deadline = time.monotonic() + 1.0  # several retries of Redis fail meanwhile
                while time.monotonic() < deadline:
                    bucket.acquire()
                    time.sleep(0.01)
                bucket.throttled()
            except BaseException as error:  # the thread must report it, not die silently
                errors.append(error)
                raise

        started = time.monotonic()
        threads = [threading.Thread(target=scan_thread) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors
        assert time.monotonic() - started < 10.0  # a dead Redis does not stall the calls
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert "ConnectionError" in warnings[0].getMessage()
        assert "127.0.0.1" in warnings[0].getMessage()

        own_redis.start()  # empty: the bucket's key reappears only if Redis is used again
        deadline = time.monotonic() + 10.0
        while not observer.exists(bucket.name) and time.monotonic() < deadline:
            bucket.acquire()
            time.sleep(0.05)
        assert observer.exists(bucket.name)
        assert any("answers again" in r.getMessage() for r in caplog.records)
        assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    finally:
        observer.close()
        limiter.close()


def test_acquire_latency_against_local_redis(
    make: MakeLimiter, record_property: Callable[[str, object], None]
) -> None:
    bucket = make(FREE_RATE).bucket(KEY)
    for _ in range(100):  # connect and load the script first
        bucket.acquire()
    calls = 2000
    started = time.perf_counter()
    for _ in range(calls):
        bucket.acquire()
    mean_us = (time.perf_counter() - started) / calls * 1e6
    record_property("acquire_mean_us", round(mean_us, 1))
    print(f"mean acquire latency: {mean_us:.0f} µs")
    assert bucket.waited_seconds == 0.0
    assert mean_us < 5000  # one local round trip; generous for a loaded machine


def test_make_limiter_shares_only_when_given_a_redis_url(redis_url: str) -> None:
    assert isinstance(make_limiter(None), RateLimiter)
    shared = make_limiter(redis_url)
    assert isinstance(shared, RedisRateLimiter)
    shared.close()
