"""``make bench``: Tether's discovery of a synthetic AWS Organization, against the limit model
and side by side with Cloud Custodian's c7n-org; results in bench/results/*.json.

    .venv/bin/python -m bench [--accounts 200] [--runs 3] [--backends embedded,postgres-workers]
                              [--scaling 25,50,100] [--c7n-accounts 10] [--quick]
                              [--c7n-scan-processes 0]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.plot import scaling_plot
from bench.processes import machine_facts
from bench.scenarios import Parameters, backend_services, measure_ceiling, run_once
from bench.summary import medians, table, targets

RESULTS = Path(__file__).parent / "results"
PLOT = Path(__file__).parent.parent / "docs" / "performance-scaling.png"
REGIONS = "us-east-1,us-west-2,eu-west-1,ap-southeast-2"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--regions", default=REGIONS)
    parser.add_argument("--latency-ms", default="30-50")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", default="embedded,postgres-workers")
    parser.add_argument("--workers", type=int, default=2, help="tether worker processes")
    parser.add_argument("--worker-concurrency", type=int, default=1)
    parser.add_argument("--scaling", default="25,50,100", help="extra organization sizes, '' none")
    parser.add_argument("--c7n-accounts", type=int, default=10, help="0 skips c7n-org")
    parser.add_argument(
        "--c7n-scan-processes",
        type=int,
        default=0,
        help="Tether's side: scans on N child processes of the server (0: its threads)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="10 accounts, 1 run, no scaling: a smoke run"
    )
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    if args.quick:
        args.accounts, args.runs, args.scaling, args.c7n_accounts = (
            10,
            1,
            "",
            min(args.c7n_accounts, 3),
        )
    low, _, high = args.latency_ms.partition("-")
    params = Parameters(
        args.accounts, tuple(args.regions.split(",")), (float(low), float(high or low))
    )
    started = time.perf_counter()
    ceiling = measure_ceiling(params)
    mu = float(ceiling["calls_per_cpu_s"])
    print(f"call ceiling mu: {mu:.0f} calls per CPU-second ({ceiling})", flush=True)
    runs: list[dict[str, Any]] = []
    for name in args.backends.split(","):
        for index in range(args.runs):
            with backend_services(name, args.workers, args.worker_concurrency) as backend:
                run = run_once(params, backend, mu)
            run["run"] = index + 1
            runs.append(run)
            full = run["phases"]["full"]
            print(
                f"{name} run {index + 1}: full {full['wall_s']:.1f} s"
                f" ({full['ratio_to_t_min']:.2f} x T_min), no change"
                f" {run['phases']['no_change']['wall_s']:.1f} s, 1% changed"
                f" {run['phases']['change_1pct']['wall_s']:.1f} s,"
                f" largest process {run['largest_process_mb']:.0f} MB",
                flush=True,
            )
    summary = medians(runs)
    scaling = _scaling(args, params, mu, summary)
    c7n = _c7n(args, params) if args.c7n_accounts else None
    checks = targets(summary, runs, c7n)
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "parameters": {
            **params.record(),
            "runs": args.runs,
            "workers": args.workers,
            "worker_concurrency": args.worker_concurrency,
        },
        "ceiling": ceiling,
        "runs": runs,
        "summary": summary,
        "scaling": scaling,
        "c7n": c7n,
        "targets": checks,
        "bench_seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"bench-{stamp}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(table(summary, checks))
    print(f"results: {path}")


def _scaling(
    args: argparse.Namespace, params: Parameters, mu: float, summary: dict[str, Any]
) -> list[dict[str, Any]]:
    """Full discoveries of smaller organizations (embedded), plus the main runs' median."""
    sizes = [int(size) for size in args.scaling.split(",") if size]
    if not sizes:
        return []
    points = []
    for size in sizes:
        smaller = Parameters(size, params.regions, params.latency_ms, params.seed)
        with backend_services("embedded", 0, 1) as backend:
            run = run_once(smaller, backend, mu, phases=("full",))
        full = run["phases"]["full"]
        points.append(_point(size, "embedded", full["wall_s"], full["limit_model"]["t_min_s"]))
        print(f"scaling: {size} accounts, full {full['wall_s']:.1f} s", flush=True)
    for backend, figures in summary.items():
        if "full" in figures:
            full = figures["full"]
            points.append(_point(params.accounts, backend, full["wall_s"], full["t_min_s"]))
    scaling_plot(points, PLOT)
    return points


def _point(accounts: int, backend: str, wall_s: float, t_min_s: float) -> dict[str, Any]:
    return {"accounts": accounts, "backend": backend, "wall_s": wall_s, "t_min_s": t_min_s}


def _c7n(args: argparse.Namespace, params: Parameters) -> dict[str, Any]:
    from bench.side_by_side import compare_with_c7n
    from bench.tether_side import Backend

    processes = args.c7n_scan_processes
    backend = Backend("embedded-processes", scan_processes=processes) if processes else None
    return compare_with_c7n(params, args.c7n_accounts, backend)


if __name__ == "__main__":
    main()
