"""AWS's throttling: one token bucket per (account, region, API family), and call counts.

Rates are AWS's documented ones (shared/reference/aws-facts.md); where AWS documents a
rate and no burst, the burst is one second's worth. Global services (IAM, Organizations,
S3 ListBuckets, Route 53, CloudFront) have one bucket per account, in region "global".
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

# family -> (burst, refill per second)
RATES: dict[str, tuple[float, float]] = {
    "ec2": (100, 20),
    "ec2-unpaginated": (50, 10),  # the heavy Describe* without MaxResults or filters
    "elb": (40, 10),
    "elbv2": (40, 10),
    "rds": (300, 12),
    "lambda": (15, 15),
    "cloudwatch-listmetrics": (25, 25),
    "cloudwatch-getmetricdata": (500, 500),
    "sts": (600, 600),
    "account": (5, 5),
    # S3 object and bucket reads are limited per prefix (5,500 GET/s), not per account.
    "s3": (5500, 5500),
    # Undocumented services (Organizations, IAM, Tagging, Config, everything else).
    "default": (100, 20),
}
_EC2_HEAVY = frozenset(
    {
        "DescribeInstances", "DescribeVolumes", "DescribeSecurityGroups",
        "DescribeNetworkInterfaces", "DescribeSnapshots", "DescribeInstanceStatus",
        "DescribeSpotInstanceRequests",
    }
)  # fmt: skip
GLOBAL_SERVICES = frozenset({"iam", "organizations", "route53", "cloudfront"})


def family(service: str, operation: str, params: dict[str, Any]) -> tuple[str, bool]:
    """The API family of a call and whether its bucket is global (one per account)."""
    if service == "ec2":
        paginated = "MaxResults" in params or any(k.startswith("Filter.") for k in params)
        return ("ec2" if paginated or operation not in _EC2_HEAVY else "ec2-unpaginated"), False
    if service == "cloudwatch" and operation in ("ListMetrics", "GetMetricData"):
        return f"cloudwatch-{operation.lower()}", False
    if service == "s3":
        return ("default", True) if operation == "ListBuckets" else ("s3", False)
    if service in RATES:
        return service, False
    return "default", service in GLOBAL_SERVICES


@dataclass
class Bucket:
    burst: float
    rate: float
    tokens: float
    updated: float
    calls: int = 0
    throttled: int = 0
    peak_1s: int = 0
    window: deque[float] = field(default_factory=deque)

    def take(self, now: float) -> bool:
        """Count an arrival; True when a token was there for it."""
        self.calls += 1
        window = self.window
        window.append(now)
        while window[0] <= now - 1.0:
            window.popleft()
        self.peak_1s = max(self.peak_1s, len(window))
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.throttled += 1
        return False


class Throttle:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.buckets: dict[tuple[str, str, str], Bucket] = {}

    def admit(self, account: str, region: str, name: str, is_global: bool, now: float) -> bool:
        """Count a call of family ``name``; False when AWS would throttle it."""
        key = (account, "global" if is_global else region, name)
        bucket = self.buckets.get(key)
        if bucket is None:
            burst, rate = RATES[name]
            bucket = self.buckets[key] = Bucket(burst, rate, burst, now)
        admitted = bucket.take(now)
        if not self.enabled and not admitted:
            bucket.throttled -= 1  # counted as an arrival only: --no-throttle
            return True
        return admitted

    def reset(self) -> None:
        self.buckets.clear()

    def report(self) -> list[dict[str, Any]]:
        return [
            {
                "account": account, "region": region, "family": name, "burst": b.burst,
                "rate": b.rate, "calls": b.calls, "throttled": b.throttled, "peak_1s": b.peak_1s,
            }
            for (account, region, name), b in sorted(self.buckets.items())
        ]  # fmt: skip
