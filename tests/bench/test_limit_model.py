"""The limit model and the bench's targets, on figures whose answers are known."""

from __future__ import annotations

from typing import Any

import pytest
from bench.limit_model import bucket_seconds, limit_model
from bench.summary import medians, targets


def _bucket(calls: int, burst: int, rate: float, family: str = "ec2") -> dict[str, Any]:
    return {"account": "1", "region": "r", "family": family, "calls": calls, "burst": burst,
            "rate": rate, "peak_1s": 0}  # fmt: skip


def test_the_busiest_bucket_is_its_calls_beyond_the_burst_at_its_rate() -> None:
    seconds, name = bucket_seconds([_bucket(300, 100, 20), _bucket(40, 40, 10, "elb")])
    assert seconds == pytest.approx(10.0)
    assert name == "1/r/ec2"
    assert bucket_seconds([_bucket(50, 100, 20)]) == (0.0, "-")


@pytest.mark.parametrize(
    ("calls", "chain", "mu", "bound_by", "t_min"),
    [
        (60_000, 3, 500.0, "cpu", 120.0),  # 60,000 calls at 500/s
        (100, 40, 500.0, "chain", 41 * 0.04),  # 40 dependent pages + AssumeRole, 40 ms each
    ],
)
def test_t_min_is_the_largest_term(
    calls: int, chain: int, mu: float, bound_by: str, t_min: float
) -> None:
    model = limit_model([_bucket(110, 100, 20)], chain, (30, 50), calls, 1, mu)
    assert model.bound_by == bound_by
    assert model.t_min_s == pytest.approx(t_min)
    assert model.bucket_s == pytest.approx(0.5)


def test_a_bucket_bound_model_names_the_bucket() -> None:
    model = limit_model([_bucket(10_100, 100, 20)], 2, (30, 50), 10_100, 2, 1000.0)
    assert (model.bound_by, model.busiest_bucket) == ("bucket", "1/r/ec2")
    assert model.t_min_s == pytest.approx(500.0)


def test_the_cpu_term_counts_the_endpoint_sharing_the_machine() -> None:
    # 2 processes could make 10,000 calls at 500/s each in 10 s, but the 2 cores also serve
    # the endpoint's 6 CPU-seconds: (20 + 6) / 2 = 13 s.
    model = limit_model([], 1, (30, 50), 10_000, 2, 500.0, endpoint_cpu_s=6.0, cores=2)
    assert (model.bound_by, model.t_min_s) == ("cpu", pytest.approx(13.0))
    alone = limit_model([], 1, (30, 50), 10_000, 2, 500.0)
    assert alone.t_min_s == pytest.approx(10.0)


def _run(wall: float, rows: int, throttled: int = 0) -> dict[str, Any]:
    def phase(seconds: float, written: int) -> dict[str, Any]:
        return {
            "wall_s": seconds, "api_calls": 100, "calls_per_s": 100 / seconds,
            "resources_found": 50, "resources_per_s": 50 / seconds,
            "throttled_calls": throttled, "resource_rows_written": written,
            "history_rows_written": written, "ratio_to_t_min": seconds / 10,
            "limit_model": {"t_min_s": 10.0}, "buckets_above_documented_rate": 0,
        }  # fmt: skip

    return {
        "backend": "embedded", "largest_process_mb": 300.0, "install_s": 1.0,
        "inventory_matches_ground_truth": True,
        "phases": {"full": phase(wall, 50), "no_change": phase(wall / 4, rows)},
    }  # fmt: skip


def test_targets_use_medians_and_catch_a_rescan_that_writes() -> None:
    runs = [_run(12, 0), _run(14, 0), _run(30, 3)]
    summary = medians(runs)
    assert summary["embedded"]["full"]["wall_s"] == 14
    met = {c["target"]: c["met"] for c in targets(summary, runs, None)}
    assert met["embedded: full discovery / T_min"] is True  # 14 s against 10 s
    assert met["embedded: no-change rescan resource rows written"] is True  # median 0
    assert met["embedded: no-change rescan / full discovery"] is True
    writes = [_run(12, 5), _run(12, 5), _run(20, 0, throttled=1)]
    met = {c["target"]: c["met"] for c in targets(medians(writes), writes, None)}
    assert met["embedded: no-change rescan resource rows written"] is False
    assert met["throttled calls, every run and phase"] is False
    assert met["embedded: full discovery / T_min"] is True  # median 12 s
