"""One bench run of Tether: a full discovery, a rescan with no change, a rescan after 1% of
resources changed; each phase measured from Tether's records and the endpoint's counters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.limit_model import limit_model
from bench.processes import cpu_seconds
from bench.synthetic import SyntheticEndpoint
from bench.tether_side import Backend, Phase, Tether, running_tether


@dataclass(frozen=True)
class Parameters:
    accounts: int
    regions: tuple[str, ...]
    latency_ms: tuple[float, float]
    seed: int = 1

    def record(self) -> dict[str, Any]:
        """The organization and endpoint as a results file states them."""
        return {
            "accounts": self.accounts,
            "regions": list(self.regions),
            "latency_ms": list(self.latency_ms),
            "seed": self.seed,
        }


def endpoint(params: Parameters) -> SyntheticEndpoint:
    return SyntheticEndpoint(
        accounts=params.accounts,
        regions=params.regions,
        latency_ms=params.latency_ms,
        seed=params.seed,
    )


def measure_ceiling(params: Parameters, accounts: int = 20, threads: int = 64) -> dict[str, Any]:
    """mu: calls per CPU-second of the bare botocore loop in one process, against a fresh
    endpoint."""
    with endpoint(params) as synthetic, tempfile.TemporaryDirectory() as work:
        info = Path(work) / "endpoint.json"
        info.write_text(json.dumps(synthetic.info))
        done = subprocess.run(  # noqa: S603 - an argv we build, no shell
            [sys.executable, "-m", "bench.ceiling", str(info), f"--accounts={accounts}",
             f"--threads={threads}"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"bench.ceiling failed: {done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result["endpoint_calls"] = synthetic.stats()["calls"]
    return result


@contextmanager
def backend_services(name: str, workers: int, concurrency: int) -> Iterator[Backend]:
    """The embedded defaults (scans on threads of the server, or on ``workers`` child
    processes of it), or a throwaway PostgreSQL and Redis for the workers."""
    if name == "embedded":
        yield Backend("embedded")
        return
    if name == "embedded-processes":
        yield Backend(name, scan_processes=workers)
        return
    from tests.support.postgres import create_database, postgres_server
    from tests.support.redis import RedisServer

    with ExitStack() as stack:
        admin_url = stack.enter_context(postgres_server())
        database_url = create_database(admin_url, f"bench_{os.getpid()}")
        redis = RedisServer()
        stack.callback(redis.close)
        redis.start()
        yield Backend(name, database_url, redis.url, workers, concurrency)


def phase_record(
    phase: Phase,
    stats: dict[str, Any],
    params: Parameters,
    processes: int,
    ceiling_calls_per_s: float,
    endpoint_cpu_s: float,
) -> dict[str, Any]:
    """A phase as the results file keeps it, with its limit model."""
    buckets = stats["buckets"]
    model = limit_model(
        buckets, stats["longest_chain"], params.latency_ms, stats["calls"], processes,
        ceiling_calls_per_s, endpoint_cpu_s, os.cpu_count() or 1,
    )  # fmt: skip
    over_rate = [b for b in buckets if int(b["peak_1s"]) > int(b["burst"]) + float(b["rate"])]
    record = asdict(phase)
    record |= {
        "api_calls": stats["calls"],
        "calls_per_s": round(stats["calls"] / phase.wall_s, 1),
        "resources_per_s": round(phase.resources_found / phase.wall_s, 1),
        "throttled_calls": stats["throttled"],
        "unknown_operations": stats.get("unknown_operations", {}),
        "buckets": len(buckets),
        "buckets_above_documented_rate": len(over_rate),
        "busiest_bucket_peak_1s": max((int(b["peak_1s"]) for b in buckets), default=0),
        "endpoint_cpu_s": round(endpoint_cpu_s, 2),
        "limit_model": model.as_dict(),
        "ratio_to_t_min": round(phase.wall_s / model.t_min_s, 3),
    }
    record["wall_s"] = round(phase.wall_s, 3)
    return record


def _pid(synthetic: SyntheticEndpoint) -> int:
    assert synthetic.process is not None, "the endpoint runs while its block lasts"
    return synthetic.process.pid


def run_once(
    params: Parameters,
    backend: Backend,
    ceiling_calls_per_s: float,
    phases: Sequence[str] = ("full", "no_change", "change_1pct"),
) -> dict[str, Any]:
    processes = min(backend.discovery_processes, os.cpu_count() or 1)
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tether-bench-")))
        synthetic = stack.enter_context(endpoint(params))
        tether: Tether = stack.enter_context(running_tether(work, synthetic.endpoint_url, backend))
        install_s = tether.install_organization(synthetic.info, list(params.regions))
        truth = synthetic.ground_truth()
        accounts = sorted(tether.integrations)
        results: dict[str, Any] = {}
        for name in phases:
            changed = synthetic.mutate(0.01) if name == "change_1pct" else 0
            synthetic.reset_stats()
            endpoint_cpu = cpu_seconds(_pid(synthetic))
            phase = tether.scan(accounts)
            endpoint_cpu = cpu_seconds(_pid(synthetic)) - endpoint_cpu
            results[name] = phase_record(
                phase, synthetic.stats(), params, processes, ceiling_calls_per_s, endpoint_cpu
            )
            results[name]["resources_changed_at_source"] = changed
        tether.memory.stop()
        return {
            "backend": backend.name,
            "discovery_processes": processes,
            "install_s": round(install_s, 2),
            "integrations": len(accounts),
            "ground_truth_resources": truth["resources"],
            "inventory_matches_ground_truth": results["full"]["resources_live"]
            == truth["resources"],
            "peak_rss_mb": tether.memory.by_name_mb(),
            "largest_process_mb": round(tether.memory.largest_process_mb(), 1),
            "phases": results,
        }
