"""The load harness (bench/load.py) at a tiny scale: every search answered with an OpsRamp
page whose results match its filter, the scan running throughout the window, and the
figures computed right. No timing is asserted: the figures are the bench's to report."""

from __future__ import annotations

import math
from typing import Any

import pytest
from bench.load import KINDS, LoadRun, Plan, Sample, Search, percentile, run_backend, window_record

from tests.bench.conftest import REGIONS

# Slow enough calls that a rescan of 3 accounts outlasts a 5 s window on any machine.
LATENCY_MS = (250.0, 300.0)


def test_percentile_on_known_inputs() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile(values, 100) == 100.0
    assert percentile(values, 0) == 1.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == pytest.approx(2.5)  # order does not matter
    assert percentile([7.0], 95) == 7.0
    assert math.isnan(percentile([], 95))


def _sample(kind: str, latency: float | None, status: str = "200") -> Sample:
    return Sample(kind, 0.0, 0.001, latency, status, shape_ok=status == "200", results=1)


def test_a_window_counts_errors_and_latencies() -> None:
    """Errors by status, achieved rate over the longer of schedule and drain, latency only
    of answers, p95 per kind."""
    samples = [_sample("region", i / 1000) for i in range(1, 22)]  # 1..21 ms
    samples += [_sample("tag", 0.5, "503"), _sample("tag", None, "ReadTimeout")]
    run = LoadRun(rate=4.0, seconds=3.0, samples=samples, wall_s=4.0, generator_cpu_s=0.1,
                  process_cpu_s=0.2)  # fmt: skip
    meters: dict[str, Any] = {"cores_used": {}, "cpu_s": {}, "rss_mb": {}}
    record = window_record(run, [], meters, ((1.0, 1.0, 1.0), (2.0, 2.0, 2.0)))
    assert record["sent"] == 23
    assert record["completed"] == 22  # the timeout has no answer
    assert record["ok"] == 21
    assert record["errors"] == {"503": 1, "ReadTimeout": 1}
    assert record["achieved_rate"] == 5.2  # 21 good answers over 4 s, to 0.1
    assert record["latency"]["count"] == 22
    assert record["latency"]["p50_ms"] == 11.5
    assert record["latency"]["max_ms"] == 500.0
    assert record["by_kind"]["region"] == {"count": 21, "p95_ms": 20.0}
    assert record["by_kind"]["tag"] == {"count": 1, "p95_ms": 500.0}
    assert record["target_met"] is False  # errors, and under the rate


def test_a_search_checks_its_results_match_the_filter() -> None:
    item = {
        "resourceType": "AWS_S3_BUCKET",
        "location": {"name": "us-east-1"},
        "properties": {"accountNumber": "123456789012"},
        "name": "Bench-Orders",
        "tags": [{"name": "Owner", "value": "platform", "tagSource": "AWS"}],
    }
    assert Search("resourceType", {}, "AWS_S3_BUCKET").matches(item)
    assert not Search("resourceType", {}, "AWS_EC2_INSTANCE").matches(item)
    assert Search("region", {}, "us-east-1").matches(item)
    assert not Search("region", {}, "eu-west-1").matches(item)
    assert Search("accountNumber", {}, "123456789012").matches(item)
    assert Search("nameContains", {}, "h-ord").matches(item)
    assert not Search("nameContains", {}, "orderz").matches(item)
    assert Search("tag", {}, "Owner=platform").matches(item)
    assert not Search("tag", {}, "Owner=other").matches(item)


def test_searches_under_a_running_scan_at_a_tiny_scale() -> None:
    # Imported here: bench.scenarios imports the test support, which pytest imports first.
    from bench.scenarios import Parameters

    plan = Plan(
        Parameters(3, REGIONS, LATENCY_MS, seed=3),
        rates=(20.0,),
        seconds=5.0,
        idle_seconds=2.0,
        warmup_s=1.0,
        connections=16,
    )
    record = run_backend(plan, "embedded")
    assert record["integrations"] == 3
    assert record["first_scan"]["scan_statuses"] == {"ok": 3}
    assert record["first_scan"]["resources_live"] > 0
    assert {s["kind"] for s in record["searches"]} == set(KINDS)
    idle, loaded = record["windows"]
    assert (idle["during"], loaded["during"]) == ("idle", "scan")
    for window in (idle, loaded):
        assert window["sent"] == int(20 * window["seconds"])
        # Every search answered 200 with a page of the OpsRamp shape, its results matching
        # the filter (checked answer by answer in the harness).
        assert window["ok"] == window["sent"], window["errors"]
        assert window["errors"] == {}
        assert window["wrong_shape"] == 0
        assert window["results_returned"] > 0
        assert set(window["by_kind"]) == set(KINDS)
        assert sum(k["count"] for k in window["by_kind"].values()) == window["sent"]
        lat = window["latency"]
        assert 0 < lat["p50_ms"] <= lat["p90_ms"] <= lat["p95_ms"] <= lat["p99_ms"]
        assert lat["p99_ms"] <= lat["max_ms"]
        assert window["cpu_s"]["serve"] > 0
        assert window["rss_mb"]["serve"] > 0
    scan = loaded["scan"]
    # The rescan of every account ran across the whole window and ended well afterwards.
    assert scan["open_at_start"] == 3
    assert scan["running_at_end"] is True
    assert scan["overlap_fraction"] == 1.0
    assert scan["units_done_in_window"] > 0
    assert scan["finished"]["open_scans"] == 0
    assert scan["finished"]["units_done"] == scan["finished"]["units_total"] > 0
    assert "scan" not in idle
