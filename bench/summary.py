"""Medians over runs, the issue's targets, and the table printed at the end of a bench."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

PHASES = ("full", "no_change", "change_1pct")
FIELDS = (
    "wall_s",
    "api_calls",
    "calls_per_s",
    "resources_found",
    "resources_per_s",
    "throttled_calls",
    "resource_rows_written",
    "history_rows_written",
    "ratio_to_t_min",
)


def medians(runs: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per backend and phase, the median of each figure over the runs."""
    summary: dict[str, dict[str, Any]] = {}
    for backend in dict.fromkeys(run["backend"] for run in runs):
        mine = [run for run in runs if run["backend"] == backend]
        by_phase: dict[str, Any] = {
            "runs": len(mine),
            "largest_process_mb": statistics.median(r["largest_process_mb"] for r in mine),
            "install_s": statistics.median(r["install_s"] for r in mine),
        }
        for phase in PHASES:
            present = [r["phases"][phase] for r in mine if phase in r["phases"]]
            if present:
                by_phase[phase] = {f: statistics.median(p[f] for p in present) for f in FIELDS}
                by_phase[phase]["t_min_s"] = statistics.median(
                    p["limit_model"]["t_min_s"] for p in present
                )
                by_phase[phase]["buckets_above_documented_rate"] = max(
                    p["buckets_above_documented_rate"] for p in present
                )
        summary[backend] = by_phase
    return summary


def targets(
    summary: dict[str, dict[str, Any]], runs: Sequence[dict[str, Any]], c7n: dict[str, Any] | None
) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []

    def check(name: str, value: float | None, limit: str, met: bool | None) -> None:
        checks.append({"target": name, "value": value, "limit": limit, "met": met})

    for backend, figures in summary.items():
        full, same = figures.get("full"), figures.get("no_change")
        if full:
            check(
                f"{backend}: full discovery / T_min",
                full["ratio_to_t_min"],
                "<= 1.5",
                full["ratio_to_t_min"] <= 1.5,
            )
            check(
                f"{backend}: peak RSS of the largest process (MB)",
                figures["largest_process_mb"],
                "<= 500",
                figures["largest_process_mb"] <= 500,
            )
        if full and same:
            ratio = same["wall_s"] / full["wall_s"]
            check(
                f"{backend}: no-change rescan resource rows written",
                same["resource_rows_written"],
                "== 0",
                same["resource_rows_written"] == 0,
            )
            check(
                f"{backend}: no-change rescan / full discovery",
                round(ratio, 3),
                "<= 0.5",
                ratio <= 0.5,
            )
    throttled = sum(p["throttled_calls"] for run in runs for p in run["phases"].values())
    check("throttled calls, every run and phase", throttled, "== 0", throttled == 0)
    above = sum(p["buckets_above_documented_rate"] for run in runs for p in run["phases"].values())
    check("buckets ever above their documented rate", above, "== 0", above == 0)
    truth = all(run["inventory_matches_ground_truth"] for run in runs)
    check("inventory equals the endpoint's ground truth", float(truth), "all runs", truth)
    if c7n and c7n.get("ratio_c7n_over_tether") is not None:
        ratio = c7n["ratio_c7n_over_tether"]
        check("c7n-org time / Tether time, identical work", ratio, ">= 10", ratio >= 10)
        cpu = c7n["ratio_c7n_over_tether_cpu"]
        check("c7n-org CPU-seconds / Tether CPU-seconds (for reading)", cpu, "-", None)
        check(
            "same resources found by both tools",
            float(c7n["same_resources"]),
            "true",
            bool(c7n["same_resources"]),
        )
    return checks


def table(summary: dict[str, dict[str, Any]], checks: list[dict[str, Any]]) -> str:
    lines = [
        f"{'backend':<18}{'phase':<13}{'wall s':>9}{'calls':>9}{'calls/s':>9}{'res/s':>9}"
        f"{'throttled':>10}{'rows':>8}{'T_min s':>9}{'ratio':>7}"
    ]
    for backend, figures in summary.items():
        for phase in PHASES:
            f = figures.get(phase)
            if f:
                lines.append(
                    f"{backend:<18}{phase:<13}{f['wall_s']:>9.1f}{f['api_calls']:>9.0f}"
                    f"{f['calls_per_s']:>9.0f}{f['resources_per_s']:>9.0f}"
                    f"{f['throttled_calls']:>10.0f}{f['resource_rows_written']:>8.0f}"
                    f"{f['t_min_s']:>9.1f}{f['ratio_to_t_min']:>7.2f}"
                )
    lines.append("")
    for c in checks:
        mark = {True: "met", False: "MISSED", None: "-"}[c["met"]]
        lines.append(f"  [{mark:>6}] {c['target']}: {c['value']} (target {c['limit']})")
    return "\n".join(lines)
