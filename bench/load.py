"""Resource searches under load while a scan of the whole organization runs.

    .venv/bin/python -m bench.load [--accounts 100] [--rates 100] [--seconds 60]
                                   [--backends embedded,postgres-workers] [--idle-seconds 15]

For each back-end: the synthetic organization, Tether, one full scan (so the searches run
against a full inventory), then per rate a rescan of every account and, while it runs, an
open-loop load of OpsRamp resource searches to 127.0.0.1: request ``i`` is due at
``start + i / rate`` whether or not earlier ones have answered, and its latency counts from
that due time, so a stalled server shows as latency rather than as fewer requests sent.
Results in bench/results/load-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2 as httpx
from sqlalchemy import func, select

from bench.processes import machine_facts, tree_cpu_seconds, tree_of
from tether.store.models import Resource, Scan

if TYPE_CHECKING:
    # Imported where used: they import the test support, which pytest must import first.
    from bench.scenarios import Parameters
    from bench.tether_side import Phase, Tether

RESULTS = Path(__file__).parent / "results"
PY_SPY = str(Path(sys.executable).parent / "py-spy")
REGIONS = "us-east-1,us-west-2,eu-west-1,ap-southeast-2"
PAGE_KEYS = frozenset(
    ("results", "totalResults", "pageNo", "pageSize", "totalPages", "nextPage",
     "previousPageNo", "descendingOrder")
)  # fmt: skip
KINDS = ("resourceType", "region", "tag", "nameContains", "accountNumber", "paged")
TARGET_P95_MS = 200.0
_PLAIN_NAME = re.compile(r"[A-Za-z0-9._/-]{8,}")


# --- figures -----------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks (numpy's
    default), so p50 of [1, 2, 3, 4] is 2.5; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(latencies_s: Sequence[float]) -> dict[str, float | int]:
    """Count and p50/p90/p95/p99/max in milliseconds."""
    ms = [value * 1000 for value in latencies_s]
    figures: dict[str, float | int] = {"count": len(ms)}
    for q in (50, 90, 95, 99):
        figures[f"p{q}_ms"] = round(percentile(ms, q), 1)
    figures["max_ms"] = round(max(ms), 1) if ms else float("nan")
    return figures


# --- the searches ------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    """One OpsRamp search: ``kind`` names what it filters on, ``expect`` what every result
    must then satisfy (checked on every answer)."""

    kind: str
    params: dict[str, str]
    expect: str = ""

    def matches(self, item: dict[str, Any]) -> bool:
        if self.kind == "resourceType":
            return bool(item["resourceType"] == self.expect)
        if self.kind == "region":
            return bool(item["location"]["name"] == self.expect)
        if self.kind == "accountNumber":
            return bool(item["properties"]["accountNumber"] == self.expect)
        if self.kind == "nameContains":
            return self.expect in (item["name"] or "").lower()
        if self.kind == "tag":
            key, _, value = self.expect.partition("=")
            return any(t["name"] == key and t["value"] == value for t in item["tags"])
        return True


def build_searches(
    tether: Tether, regions: Sequence[str], seed: int = 7, per_kind: int = 8
) -> list[Search]:
    """A realistic mix from the inventory itself: the types, regions, accounts, tags and
    name fragments it holds, each kind equally often, every page of 100 results."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible mix, not a secret
    tenant = Resource.tenant_id == tether.client_id
    live = Resource.deleted_at.is_(None)
    with tether.engine.connect() as db:
        by_type = db.execute(
            select(Resource.resource_type, func.count()).where(tenant, live)
            .group_by(Resource.resource_type).order_by(func.count().desc())
        ).all()  # fmt: skip
        accounts = sorted(
            db.execute(select(Resource.account_id).where(tenant, live).distinct()).scalars()
        )
        sample = db.execute(
            select(Resource.name, Resource.tags).where(tenant, live)
            .order_by(Resource.id).limit(3000)
        ).all()  # fmt: skip
        live_count = sum(int(n) for _, n in by_type)
    if not by_type or not accounts:
        raise RuntimeError("the inventory is empty: scan before building searches")
    page = {"pageSize": "100"}
    searches: list[Search] = []
    # Large and small types alike: spread over the ranking by count.
    step = max(1, len(by_type) // per_kind)
    for code, _ in by_type[::step][:per_kind]:
        searches.append(Search("resourceType", {"queryString": f"resourceType:{code}"}, code))
    for region in list(regions)[:per_kind]:
        searches.append(Search("region", {"queryString": f"region:{region}"}, region))
    for account in rng.sample(accounts, min(per_kind, len(accounts))):
        searches.append(
            Search("accountNumber", {"queryString": f"accountNumber:{account}"}, account)
        )
    tags = Counter(
        f"{key}={value}" for _, row_tags in sample for key, value in (row_tags or {}).items()
        if isinstance(value, str) and value and "+" not in key + value
    )  # fmt: skip
    for pair, _ in tags.most_common(per_kind):
        searches.append(Search("tag", {"queryString": f"tag:{pair}"}, pair))
    # "+", spaces and "key:" delimit the queryString's terms: plain names only.
    names = [str(n).lower() for n, _ in sample if n and _PLAIN_NAME.fullmatch(str(n))]
    for name in rng.sample(names, min(per_kind, len(names))):
        start = rng.randrange(0, len(name) - 5)
        fragment = name[start : start + 6]
        searches.append(
            Search("nameContains", {"queryString": f"nameContains:{fragment}"}, fragment)
        )
    pages = max(1, -(-live_count // 100))
    for number in rng.sample(range(1, pages + 1), min(per_kind, pages)):
        searches.append(Search("paged", {"pageNo": str(number)}))
    return [Search(s.kind, {**page, **s.params}, s.expect) for s in searches]


# --- the open loop -----------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    due_s: float  # from the window's start
    send_lag_s: float  # how late the generator started it: its own health
    latency_s: float | None  # from the due time to the whole answer read; None: no answer
    status: str  # the HTTP status, or the exception's name
    shape_ok: bool = False
    results: int = 0


@dataclass
class LoadRun:
    rate: float
    seconds: float
    samples: list[Sample]
    wall_s: float  # first due time to the last answer
    generator_cpu_s: float  # the generator thread's CPU
    process_cpu_s: float  # the whole bench process (the progress sampler included)


def _shape_ok(search: Search, body: Any) -> tuple[bool, int]:
    if not isinstance(body, dict) or set(body) != PAGE_KEYS:
        return False, 0
    results = body["results"]
    ok = (
        isinstance(results, list)
        and len(results) <= int(search.params["pageSize"])
        and body["pageSize"] == int(search.params["pageSize"])
        and body["pageNo"] == int(search.params.get("pageNo", "1"))
        and isinstance(body["totalResults"], int)
        and all(search.matches(item) for item in results)
    )
    return ok, len(results) if isinstance(results, list) else 0


async def _one(
    client: httpx.AsyncClient, path: str, search: Search, due: float, origin: float
) -> Sample:
    loop = asyncio.get_running_loop()
    sample = Sample(search.kind, due - origin, loop.time() - due, None, "")
    try:
        answer = await client.get(path, params=search.params)
    except httpx.HTTPError as error:
        sample.status = type(error).__name__
        return sample
    sample.latency_s = loop.time() - due
    sample.status = str(answer.status_code)
    if answer.status_code == 200:
        sample.shape_ok, sample.results = _shape_ok(search, answer.json())
    return sample


async def open_loop(
    base_url: str,
    token: str,
    path: str,
    searches: Sequence[Search],
    rate: float,
    seconds: float,
    connections: int = 128,
    timeout: float = 30.0,
    seed: int = 11,
) -> LoadRun:
    """Send ``rate * seconds`` searches on a fixed schedule, whatever the answers do."""
    if not base_url.startswith("http://127.0.0.1:"):
        raise ValueError("the load test only ever targets 127.0.0.1")
    rng = random.Random(seed)  # noqa: S311 - a reproducible mix, not a secret
    count = int(rate * seconds)
    # Each kind equally often, whatever number of searches each kind has.
    kinds: dict[str, list[Search]] = defaultdict(list)
    for search in searches:
        kinds[search.kind].append(search)
    groups = [kinds[kind] for kind in sorted(kinds)]
    order = [rng.choice(rng.choice(groups)) for _ in range(count)]
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Authorization": f"Bearer {token}"}
    cpu, process_cpu = time.thread_time(), _process_cpu()
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=timeout
    ) as client:
        loop = asyncio.get_running_loop()
        origin = loop.time() + 0.05
        tasks: list[asyncio.Task[Sample]] = []
        for index, search in enumerate(order):
            due = origin + index / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_one(client, path, search, due, origin)))
        # Every request has its own timeout: gather ends within it.
        samples = list(await asyncio.gather(*tasks))
        wall = loop.time() - origin
    return LoadRun(
        rate, seconds, samples, wall, time.thread_time() - cpu, _process_cpu() - process_cpu
    )


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- what runs beside the load -----------------------------------------------------------


@dataclass
class ScanWatch:
    """Samples the scans' progress from Tether's records every ``interval`` seconds."""

    tether: Tether
    scan_ids: list[str]
    interval: float = 1.0
    points: list[dict[str, float | int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _origin: float = 0.0

    def progress(self) -> dict[str, float | int]:
        ours = Scan.id.in_(self.scan_ids)
        with self.tether.engine.connect() as db:
            done, total, found = db.execute(
                select(
                    func.coalesce(func.sum(Scan.units_done), 0),
                    func.coalesce(func.sum(Scan.units_total), 0),
                    func.coalesce(func.sum(Scan.resources_found), 0),
                ).where(ours)
            ).one()
            open_scans = db.execute(
                select(func.count())
                .select_from(Scan)
                .where(ours, Scan.status.in_(("queued", "running")))
            ).scalar_one()
        return {
            "t_s": round(time.perf_counter() - self._origin, 2),
            "open_scans": int(open_scans),
            "units_done": int(done),
            "units_total": int(total),
            "resources_found": int(found),
        }

    def start(self, origin: float) -> None:
        self._origin = origin
        self._thread = threading.Thread(target=self._run, name="scan-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self.points.append(self.progress())
            if self._stop.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        self.points.append(self.progress())


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return float(sum(fields) - idle), float(sum(fields))


@dataclass
class Meters:
    """CPU of Tether's processes (each with its children), the endpoint and the machine."""

    pids: dict[str, int]
    started: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    machine: tuple[float, float] = (0.0, 0.0)

    def start(self) -> None:
        self.started = time.perf_counter()
        self.cpu = {name: tree_cpu_seconds(pid) for name, pid in self.pids.items()}
        self.machine = _machine_busy()

    def read(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.started
        busy, total = _machine_busy()
        used = {name: tree_cpu_seconds(pid) - self.cpu[name] for name, pid in self.pids.items()}
        return {
            "cpu_s": {name: round(value, 2) for name, value in used.items()},
            "cores_used": {name: round(value / wall, 2) for name, value in used.items()},
            "rss_mb": {
                name: round(sum(_rss_mb(p) for p in tree_of(pid)), 1)
                for name, pid in self.pids.items()
            },
            "machine_busy_fraction": round(
                (busy - self.machine[0]) / max(total - self.machine[1], 1.0), 3
            ),
        }


def start_scans(tether: Tether, accounts: Sequence[str]) -> list[str]:
    """Request a scan of each account's integration (all at once, as a scheduler would)."""
    path = f"/api/v1/tenants/{tether.client_id}/integrations/{{}}/scans"
    return [str(tether.post(path.format(tether.integrations[a]))["id"]) for a in accounts]


# --- one window --------------------------------------------------------------------------


def window_record(
    run: LoadRun,
    progress: list[dict[str, float | int]],
    meters: dict[str, Any],
    load_average: tuple[tuple[float, ...], tuple[float, ...]],
) -> dict[str, Any]:
    """What one load window measured: counts, rate, latency overall and per kind, and what
    the scans did meanwhile."""
    answered = [s for s in run.samples if s.latency_s is not None]
    good = [s for s in answered if s.status == "200" and s.shape_ok]
    errors = Counter(s.status for s in run.samples if s.status != "200")
    bad_shape = sum(1 for s in answered if s.status == "200" and not s.shape_ok)
    latencies = [s.latency_s for s in answered if s.latency_s is not None]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for s in answered:
        if s.latency_s is not None:
            by_kind[s.kind].append(s.latency_s)
    lags = [s.send_lag_s for s in run.samples]
    overall = latency_summary(latencies)
    record: dict[str, Any] = {
        "target_rate": run.rate,
        "seconds": run.seconds,
        "sent": len(run.samples),
        "completed": len(answered),
        "ok": len(good),
        "errors": dict(errors),
        "wrong_shape": bad_shape,
        "results_returned": sum(s.results for s in good),
        "send_rate": round(len(run.samples) / run.seconds, 1),
        "achieved_rate": round(len(good) / max(run.wall_s, run.seconds), 1),
        "wall_s": round(run.wall_s, 2),
        "latency": overall,
        "by_kind": {
            kind: {"count": len(values), "p95_ms": round(percentile(values, 95) * 1000, 1)}
            for kind, values in sorted(by_kind.items())
        },
        "generator": {
            "thread_cpu_s": round(run.generator_cpu_s, 2),
            "process_cpu_s": round(run.process_cpu_s, 2),
            "cores": round(run.process_cpu_s / max(run.wall_s, 1e-9), 3),
            "send_lag_p99_ms": round(percentile(lags, 99) * 1000, 1),
            "send_lag_max_ms": round(max(lags, default=0.0) * 1000, 1),
        },
        "load_average": {"start": list(load_average[0]), "end": list(load_average[1])},
        **meters,
    }
    record["target_met"] = bool(
        not errors
        and not bad_shape
        and record["achieved_rate"] >= 0.99 * run.rate
        and float(overall["p95_ms"]) < TARGET_P95_MS
    )
    if progress:
        record["scan"] = _overlap(progress, run.seconds)
    return record


def _overlap(progress: list[dict[str, float | int]], seconds: float) -> dict[str, Any]:
    """The scans' progress across the window (t = 0 at its first due time) and how much of
    the window they were running for."""
    inside = [p for p in progress if 0 <= float(p["t_s"]) <= seconds]
    running = [p for p in inside if int(p["open_scans"]) > 0]
    first = inside[0] if inside else progress[0]
    last = inside[-1] if inside else progress[-1]
    return {
        "open_at_start": int(first["open_scans"]),
        "open_at_end": int(last["open_scans"]),
        "running_at_end": int(last["open_scans"]) > 0,
        "overlap_fraction": round(len(running) / max(len(inside), 1), 3),
        "units_done_in_window": int(last["units_done"]) - int(first["units_done"]),
        "units_total": int(last["units_total"]),
        "progress": progress,
    }


@contextmanager
def profiled(pid: int, seconds: float, into: dict[str, Any]) -> Iterator[None]:
    """py-spy samples ``pid`` (only the thread holding the GIL, which is where a Python
    server's CPU goes) while the block runs; ``into["profile"]`` gets the heaviest
    functions, by the share of samples they appear in."""
    with tempfile.TemporaryDirectory(prefix="load-profile-") as work:
        raw = Path(work) / "profile.txt"
        command = [PY_SPY, "record", "--gil", "--nonblocking", "--rate", "50", "-p", str(pid),
                   "-d", str(max(1, int(seconds))), "-f", "raw", "-o", str(raw)]  # fmt: skip
        spy = subprocess.Popen(  # noqa: S603 - an argv we build, no shell
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            yield
        finally:
            _, error = spy.communicate(timeout=seconds + 60)
        if not raw.exists():
            into["profile"] = {"error": error.decode(errors="replace")[-500:]}
            return
        into["profile"] = heaviest(raw.read_text())


def heaviest(raw: str, top: int = 25) -> dict[str, Any]:
    """From py-spy's raw (collapsed) stacks: the samples, the functions of Tether and of
    its libraries found in the most of them (inclusive: what a search's steps cost), and
    the functions running when sampled (self)."""
    total, inclusive, own = 0, Counter[str](), Counter[str]()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            if not frame.startswith(_PLUMBING):
                inclusive[frame] += int(count)

    def shares(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"share": round(n / max(total, 1), 3), "frame": frame}
            for frame, n in counter.most_common(top)
        ]

    return {"samples": total, "inclusive": shares(inclusive), "self": shares(own)}


# Frames every stack holds (thread start-up, the command line, the ASGI middleware chain).
_PLUMBING = (
    "Thread.", "_worker ", "_WorkItem.", "WorkerThread.", "Typer", "Command.", "Context.",
    "get_callback", "_main ", "<module>", "run (uvicorn", "serve (tether/cli", "Server.run",
    "asyncio_run", "Runner.run", "RequestResponseCycle.run_asgi", "ServerErrorMiddleware",
    "ExceptionMiddleware", "wrap_app_handling", "FastAPI.__call__", "Starlette.__call__",
    "SecurityHeaders", "BodySizeLimit", "AppBodyLimitMiddleware", "Router.__call__",
    "AsyncExitStackMiddleware", "ExceptionTelemetryMiddleware",
)  # fmt: skip


def measure_window(
    tether: Tether,
    searches: Sequence[Search],
    rate: float,
    seconds: float,
    scan_ids: Sequence[str] = (),
    connections: int = 128,
    profile: bool = False,
) -> dict[str, Any]:
    """One open-loop window; with ``scan_ids``, the scans' progress is sampled meanwhile;
    with ``profile``, the serving process is profiled meanwhile."""
    pids = {p.name: p.popen.pid for p in tether.processes}
    meters = Meters(pids)
    watch = ScanWatch(tether, list(scan_ids)) if scan_ids else None
    path = f"/api/v2/tenants/{tether.client_id}/resources/search"
    extra: dict[str, Any] = {}
    before = os.getloadavg()
    meters.start()
    if watch is not None:
        watch.start(time.perf_counter() + 0.05)
    try:
        with ExitStack() as stack:
            if profile:
                stack.enter_context(profiled(pids["serve"], seconds, extra))
            run = asyncio.run(
                open_loop(tether.base_url, tether.token, path, searches, rate, seconds, connections)
            )
    finally:
        if watch is not None:
            watch.stop()
    record = window_record(
        run, watch.points if watch else [], meters.read(), (before, os.getloadavg())
    )
    return record | extra


def service_times(tether: Tether, searches: Sequence[Search], rounds: int = 3) -> dict[str, Any]:
    """Each search alone, one after another (no queueing): the latency of each kind and the
    serving process's CPU per search, which bounds the rate one process can serve."""
    path = f"/api/v2/tenants/{tether.client_id}/resources/search"
    headers = {"Authorization": f"Bearer {tether.token}"}
    serve = next(p.popen.pid for p in tether.processes if p.name == "serve")
    by_kind: dict[str, list[float]] = defaultdict(list)
    with httpx.Client(base_url=tether.base_url, headers=headers, timeout=60) as client:
        client.get(path, params=searches[0].params).raise_for_status()  # a warm connection
        cpu, started = tree_cpu_seconds(serve), time.perf_counter()
        for _ in range(rounds):
            for search in searches:
                sent = time.perf_counter()
                answer = client.get(path, params=search.params)
                by_kind[search.kind].append(time.perf_counter() - sent)
                if answer.status_code != 200 or not _shape_ok(search, answer.json())[0]:
                    raise RuntimeError(f"{search}: {answer.status_code} {answer.text[:500]}")
        wall, cpu = time.perf_counter() - started, tree_cpu_seconds(serve) - cpu
    count = rounds * len(searches)
    return {
        "requests": count,
        "serve_cpu_ms_per_search": round(cpu / count * 1000, 1),
        "wall_ms_per_search": round(wall / count * 1000, 1),
        "by_kind_ms": {
            kind: {"p50": round(percentile(v, 50) * 1000, 1), "max": round(max(v) * 1000, 1)}
            for kind, v in sorted(by_kind.items())
        },
    }


# --- a back-end ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    params: Parameters
    rates: tuple[float, ...] = (100.0,)
    seconds: float = 60.0
    idle_seconds: float = 15.0  # a window with no scan running: the searches' own cost
    warmup_s: float = 5.0  # between the scans' start and the window's
    connections: int = 128
    wait_for_scan: bool = True
    profile: bool = False


def _phase_summary(phase: Phase) -> dict[str, Any]:
    return {
        "wall_s": round(phase.wall_s, 1),
        "scans": phase.scans,
        "scan_statuses": phase.scan_statuses,
        "resources_found": phase.resources_found,
        "resources_live": phase.resources_live,
    }


def _wait_closed(tether: Tether, scan_ids: list[str], started: float) -> dict[str, Any]:
    watch = ScanWatch(tether, scan_ids)
    while watch.progress()["open_scans"]:
        for process in tether.processes:
            if not process.alive():
                raise RuntimeError(f"{process.name} exited: {process.tail()}")
        time.sleep(0.5)
    final = watch.progress()
    return {"wall_s": round(time.perf_counter() - started, 1), **final}


@contextmanager
def prepared(plan: Plan, backend_name: str, workers: int = 2) -> Iterator[tuple[Tether, Any]]:
    """The endpoint and Tether on ``backend_name``."""
    from bench.scenarios import backend_services, endpoint
    from bench.tether_side import running_tether

    with ExitStack() as stack:
        backend = stack.enter_context(backend_services(backend_name, workers, 1))
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tether-load-")))
        synthetic = stack.enter_context(endpoint(plan.params))
        tether = stack.enter_context(running_tether(work, synthetic.endpoint_url, backend))
        yield tether, synthetic


def run_backend(plan: Plan, backend_name: str, workers: int = 2) -> dict[str, Any]:
    with prepared(plan, backend_name, workers) as (tether, synthetic):
        assert synthetic.process is not None, "the endpoint runs while its block lasts"
        install_s = tether.install_organization(synthetic.info, list(plan.params.regions))
        accounts = sorted(tether.integrations)
        first = tether.scan(accounts)
        searches = build_searches(tether, plan.params.regions)
        record: dict[str, Any] = {
            "backend": backend_name,
            "install_s": round(install_s, 1),
            "integrations": len(accounts),
            "first_scan": _phase_summary(first),
            "searches": [{"kind": s.kind, **s.params} for s in searches],
            "windows": [],
        }
        record["service_times"] = service_times(tether, searches)
        print(f"{backend_name} service times: {record['service_times']}", flush=True)
        if plan.idle_seconds > 0:
            idle = measure_window(
                tether,
                searches,
                plan.rates[0],
                plan.idle_seconds,
                (),
                plan.connections,
                plan.profile,
            )
            idle["during"] = "idle"
            record["windows"].append(idle)
            print(_line(backend_name, idle), flush=True)
        for rate in plan.rates:
            started = time.perf_counter()
            scan_ids = start_scans(tether, accounts)
            time.sleep(plan.warmup_s)
            window = measure_window(
                tether, searches, rate, plan.seconds, scan_ids, plan.connections, plan.profile
            )
            window["during"] = "scan"
            window["scan"]["started_before_window_s"] = round(
                time.perf_counter() - started - window["wall_s"], 1
            )
            if plan.wait_for_scan:
                window["scan"]["finished"] = _wait_closed(tether, scan_ids, started)
            record["windows"].append(window)
            print(_line(backend_name, window), flush=True)
        tether.memory.stop()
        record["peak_rss_mb"] = tether.memory.by_name_mb()
        return record


# --- output --------------------------------------------------------------------------------


def _line(backend: str, w: dict[str, Any]) -> str:
    lat = w["latency"]
    scan = w.get("scan")
    overlap = (
        f"scan open {scan['open_at_start']}->{scan['open_at_end']}"
        f" ({scan['overlap_fraction']:.0%} of window)"
        if scan
        else "no scan"
    )
    return (
        f"{backend} {w['during']} {w['target_rate']:.0f}/s: sent {w['sent']}, ok {w['ok']},"
        f" errors {w['errors'] or 0}, {w['achieved_rate']}/s, p50 {lat['p50_ms']} p95"
        f" {lat['p95_ms']} p99 {lat['p99_ms']} max {lat['max_ms']} ms; {overlap};"
        f" load {w['load_average']['end'][0]:.1f}"
    )


def table(backends: list[dict[str, Any]]) -> str:
    head = (
        "| back-end | during | rate | sent | ok | errors | achieved/s | p50 | p90 | p95 | p99"
        " | max | scan running at end | Tether cores | load avg | target |"
    )
    rows = [head, "|" + "---|" * 16]
    for run in backends:
        for w in run["windows"]:
            lat, scan = w["latency"], w.get("scan")
            cores = sum(w["cores_used"].values())
            rows.append(
                f"| {run['backend']} | {w['during']} | {w['target_rate']:.0f} | {w['sent']}"
                f" | {w['ok']} | {sum(w['errors'].values())} | {w['achieved_rate']}"
                f" | {lat['p50_ms']} | {lat['p90_ms']} | {lat['p95_ms']} | {lat['p99_ms']}"
                f" | {lat['max_ms']} | {scan['running_at_end'] if scan else '-'}"
                f" | {cores:.2f} | {w['load_average']['end'][0]:.2f}"
                f" | {'met' if w['target_met'] else 'missed'} |"
            )
    return "\n".join(rows)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--regions", default=REGIONS)
    parser.add_argument("--latency-ms", default="30-50")
    parser.add_argument("--backends", default="embedded,postgres-workers")
    parser.add_argument("--workers", type=int, default=2, help="tether worker processes")
    parser.add_argument("--rates", default="100", help="requests/s, one window each: 100,200")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--idle-seconds", type=float, default=15.0, help="0: no idle window")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=128)
    parser.add_argument("--no-wait", action="store_true", help="don't wait for each scan's end")
    parser.add_argument("--profile", action="store_true", help="py-spy the server in each window")
    return parser.parse_args()


def main() -> None:
    from bench.scenarios import Parameters

    args = _arguments()
    low, _, high = args.latency_ms.partition("-")
    params = Parameters(
        args.accounts, tuple(args.regions.split(",")), (float(low), float(high or low))
    )
    plan = Plan(
        params,
        tuple(float(rate) for rate in args.rates.split(",")),
        args.seconds,
        args.idle_seconds,
        args.warmup,
        args.connections,
        not args.no_wait,
        args.profile,
    )
    started = time.perf_counter()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"load-{stamp}.json"
    RESULTS.mkdir(exist_ok=True)
    runs: list[dict[str, Any]] = []
    for name in args.backends.split(","):
        runs.append(run_backend(plan, name, args.workers))
        # Written after each back-end, so a long run keeps what it has measured.
        results = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine_facts(),
            "parameters": {
                **params.record(),
                "rates": list(plan.rates),
                "seconds": plan.seconds,
                "idle_seconds": plan.idle_seconds,
                "warmup_s": plan.warmup_s,
                "connections": plan.connections,
                "workers": args.workers,
                "target": {"rate": min(plan.rates), "p95_ms": TARGET_P95_MS},
            },
            "runs": runs,
            "load_seconds": round(time.perf_counter() - started, 1),
        }
        path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(table(runs))
    print(f"results: {path}")


if __name__ == "__main__":
    main()
