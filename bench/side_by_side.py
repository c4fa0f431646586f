"""Tether and Cloud Custodian's c7n-org on identical work: the same accounts, regions and
resource types (those both enumerate with the same list call), through the same endpoint."""

from __future__ import annotations

import resource
import tempfile
from pathlib import Path
from typing import Any

from bench.c7n.compare import compare
from bench.c7n.run import run_c7n_org
from bench.c7n.types import C7N_TYPES
from bench.processes import tree_cpu_seconds
from bench.scenarios import Parameters, endpoint
from bench.tether_side import Backend, running_tether


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def compare_with_c7n(
    params: Parameters, accounts: int, backend: Backend | None = None
) -> dict[str, Any]:
    """``backend``: the embedded server (default), or with its scan processes."""
    backend = backend or Backend("embedded")
    smaller = Parameters(accounts, params.regions, params.latency_ms, params.seed)
    type_codes = sorted(C7N_TYPES)
    regions = list(smaller.regions)
    with endpoint(smaller) as synthetic, tempfile.TemporaryDirectory(prefix="c7n-bench-") as tmp:
        work = Path(tmp)
        with running_tether(work / "tether", synthetic.endpoint_url, backend) as tether:
            tether.install_organization(synthetic.info, regions)
            tether.set_rules([{"filterType": code} for code in type_codes])
            synthetic.reset_stats()
            serve = tether.processes[0].popen.pid
            tether_cpu = tree_cpu_seconds(serve)
            phase = tether.scan(sorted(tether.integrations))
            tether_cpu = tree_cpu_seconds(serve) - tether_cpu
            tether_calls = synthetic.stats()["calls"]
            rows = tether.inventory()
            scanned = sorted(tether.integrations)
        synthetic.reset_stats()
        # c7n-org and its pool are children of this process: their CPU shows once reaped.
        c7n_cpu = _children_cpu()
        c7n = run_c7n_org(synthetic.info, scanned, regions, type_codes, work / "c7n")
        c7n_cpu = _children_cpu() - c7n_cpu
        c7n_stats = synthetic.stats()
    comparison = compare(rows, c7n.found, type_codes)
    differing = {
        code: {"only_tether": len(c.only_tether), "only_c7n": len(c.only_c7n)}
        for code, c in comparison.items()
        if not c.same
    }
    return {
        "backend": backend.name,
        "scan_processes": backend.scan_processes,
        "accounts": accounts,
        "regions": regions,
        "types": len(type_codes),
        "tether_wall_s": round(phase.wall_s, 2),
        "c7n_wall_s": round(c7n.wall_s, 2),
        "ratio_c7n_over_tether": round(c7n.wall_s / phase.wall_s, 2),
        "tether_cpu_s": round(tether_cpu, 1),
        "c7n_cpu_s": round(c7n_cpu, 1),
        "ratio_c7n_over_tether_cpu": round(c7n_cpu / tether_cpu, 2),
        "tether_calls": tether_calls,
        "c7n_calls": c7n_stats["calls"],
        "c7n_unknown_operations": c7n_stats.get("unknown_operations", {}),
        "tether_resources": len(rows),
        "c7n_resources": c7n.resources,
        "both_found": sum(len(c.both) for c in comparison.values()),
        "same_resources": not differing,
        "types_differing": differing,
        "c7n_workers": c7n.workers,
        "c7n_peak_rss_mb": round(c7n.peak_rss_mb, 1),
        "c7n_peak_pss_mb": round(c7n.peak_pss_mb, 1),
        "tether_peak_rss_mb": round(tether.memory.largest_process_mb(), 1),
        "c7n_returncode": c7n.returncode,
        "c7n_errors": len(c7n.errors),
        "c7n_error_samples": [error.message[:300] for error in c7n.errors[:5]],
        "tether_units": phase.unit_statuses,
    }
