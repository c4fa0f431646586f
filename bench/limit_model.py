"""The limit model of ../shared/DESIGN.md: the least time any tool needs for a discovery.

    T_min = max( max_k (C_k - B_k)+ / rho_k,   the busiest throttling bucket
                 max_k P_k * L + L_sts,        the longest chain of dependent calls
                 N / (n * mu),                 our own CPU: n processes of mu calls/s each
                 (N / mu + E) / cores )        the machine's CPU, which here also runs AWS

Every input comes from the same run: C_k, B_k, rho_k and P from the synthetic endpoint's
counters, L from its latency setting, N from its call count, mu from the bare botocore loop
(``bench.ceiling``, calls per CPU-second) measured against the same endpoint, and E the CPU
seconds the endpoint itself spent serving the phase: on this machine the synthetic AWS
shares the cores with Tether, which real AWS would not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class LimitModel:
    bucket_s: float
    busiest_bucket: str
    chain_s: float
    cpu_s: float
    t_min_s: float
    bound_by: str  # "bucket" | "chain" | "cpu"

    def as_dict(self) -> dict[str, Any]:
        return {key: round(v, 3) if isinstance(v, float) else v for key, v in asdict(self).items()}


def bucket_seconds(buckets: Iterable[Mapping[str, Any]]) -> tuple[float, str]:
    """The time the busiest bucket needs to serve its calls beyond its burst."""
    worst, name = 0.0, "-"
    for bucket in buckets:
        seconds = max(0, int(bucket["calls"]) - int(bucket["burst"])) / float(bucket["rate"])
        if seconds > worst:
            worst = seconds
            name = f"{bucket['account']}/{bucket['region']}/{bucket['family']}"
    return worst, name


def limit_model(
    buckets: Iterable[Mapping[str, Any]],
    longest_chain: int,
    latency_ms: tuple[float, float],
    calls: int,
    processes: int,
    ceiling_calls_per_s: float,
    endpoint_cpu_s: float = 0.0,
    cores: int | None = None,
) -> LimitModel:
    latency_s = (latency_ms[0] + latency_ms[1]) / 2 / 1000
    bucket_s, busiest = bucket_seconds(buckets)
    # One AssumeRole precedes the chain of a member account's calls.
    chain_s = longest_chain * latency_s + latency_s
    call_cpu_s = calls / ceiling_calls_per_s
    cpu_s = max(call_cpu_s / processes, (call_cpu_s + endpoint_cpu_s) / (cores or processes))
    terms = {"bucket": bucket_s, "chain": chain_s, "cpu": cpu_s}
    bound_by = max(terms, key=lambda term: terms[term])
    return LimitModel(bucket_s, busiest, chain_s, cpu_s, terms[bound_by], bound_by)
