"""Token buckets on a fake clock: the documented rate holds, a throttle slows only its
bucket, and a quiet bucket recovers."""

from __future__ import annotations

from tether.discovery.limits import DEFAULT_RATE, MIN_RATE, Rate, RateLimiter, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Rate(20.0, 100), clock, clock.sleep)
    for _ in range(100):
        bucket.acquire()
    assert clock.slept == 0.0  # the burst is free
    for _ in range(200):
        bucket.acquire()
    assert abs(clock.slept - 10.0) < 1e-6  # then 20 per second: 200 calls in 10 s


def test_a_throttle_halves_the_rate_and_quiet_time_restores_it() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Rate(20.0, 20), clock, clock.sleep)
    bucket.throttled()
    assert bucket.per_second == 10.0
    assert bucket.tokens <= 0.0  # drained: the next caller waits
    bucket.throttled()
    bucket.throttled()
    assert bucket.per_second == 2.5
    for _ in range(50):
        bucket.throttled()
    assert bucket.per_second == MIN_RATE  # never stops altogether
    clock.now += 60.0
    for _ in range(200):
        bucket.acquire()
        clock.now += 1.0
    assert bucket.per_second == 20.0
    assert bucket.throttles == 53


def test_buckets_are_per_account_region_and_service_at_documented_rates() -> None:
    limiter = RateLimiter()
    ec2 = limiter.bucket(("111111111111", "us-east-1", "ec2"))
    assert (ec2.rate.per_second, ec2.rate.burst) == (20.0, 100)
    assert limiter.bucket(("111111111111", "us-east-1", "ec2")) is ec2
    other_region = limiter.bucket(("111111111111", "eu-west-1", "ec2"))
    other_account = limiter.bucket(("222222222222", "us-east-1", "ec2"))
    assert len({id(ec2), id(other_region), id(other_account)}) == 3
    assert limiter.bucket(("111111111111", "us-east-1", "rds")).rate == Rate(12.0, 300)
    assert limiter.bucket(("111111111111", "global", "iam")).rate == DEFAULT_RATE
    ec2.throttled()
    assert other_region.per_second == 20.0  # a throttle slows only its own bucket
