"""Metrics of every process, summed at scrape time through Redis.

Scans run in `tether worker` pool processes, so their counters grow there, not in the API
process that Prometheus scrapes. Each process publishes a JSON snapshot of its ``REGISTRY``
to ``tether:metrics:<process name>`` with an expiry; the API's /metrics sums the live
snapshots, its own live registry and the totals of processes that stopped cleanly.

Why the retired totals: a process that exits takes its counts with it, and a sum that
drops looks to Prometheus like a counter reset, which ``rate()`` turns into a spike as big
as the remaining total. A process that stops cleanly therefore folds its last counts into
``tether:metrics-retired`` in the same transaction that deletes its snapshot, so the sum
keeps growing. A process that dies without stopping drops out when its snapshot expires.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

import redis
from prometheus_client import generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from redis.backoff import NoBackoff
from redis.retry import Retry

from tether.metrics import REGISTRY, inventory_exposition
from tether.store.db import Database

log = logging.getLogger(__name__)

KEY_PREFIX = "tether:metrics:"
RETIRED_KEY = "tether:metrics-retired"
# Types whose values only grow, so a stopped process's last values stay in the sum.
CUMULATIVE = frozenset({"counter", "histogram", "summary"})
SUFFIX_ORDER = {"_bucket": 0, "_count": 1, "_sum": 2}

Labels = tuple[tuple[str, str], ...]
# A family as JSON carries it: name, type, help and [sample name, labels, value] rows.
FamilyJson = dict[str, Any]


def process_name(role: str) -> str:
    """``role@host:pid``, the name a process publishes under (``worker@ip-10-0-1-5:4242``)."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


def registry_snapshot() -> list[FamilyJson]:
    """This process's ``REGISTRY`` as JSON-ready families, without ``_created`` samples
    (a creation time is per process; there is nothing to add up)."""
    families = []
    for metric in REGISTRY.collect():
        samples = [
            [sample.name, sample.labels, sample.value]
            for sample in metric.samples
            if not (metric.type in CUMULATIVE and sample.name.endswith("_created"))
        ]
        families.append(
            {"name": metric.name, "type": metric.type, "help": metric.documentation,
             "samples": samples}
        )  # fmt: skip
    return families


def publish_snapshot(client: redis.Redis, process_name: str, ttl: float) -> None:
    """Store this process's samples under ``tether:metrics:<process_name>`` for ``ttl`` s."""
    payload = {"process": process_name, "published": time.time(), "families": registry_snapshot()}
    client.set(KEY_PREFIX + process_name, json.dumps(payload), px=max(1, round(ttl * 1000)))


def retire_snapshot(client: redis.Redis, process_name: str) -> None:
    """Add this process's cumulative samples to the retired totals and delete its snapshot,
    in one transaction: the sum never counts them twice nor drops them."""
    pipe = client.pipeline(transaction=True)
    for family in registry_snapshot():
        if family["type"] not in CUMULATIVE:
            continue
        for name, labels, value in family["samples"]:
            if value:
                field = [
                    family["name"],
                    family["type"],
                    family["help"],
                    name,
                    sorted(labels.items()),
                ]
                pipe.hincrbyfloat(RETIRED_KEY, json.dumps(field), value)
    pipe.delete(KEY_PREFIX + process_name)
    pipe.execute()


def metrics_client(redis_url: str) -> redis.Redis:
    """A client that gives up quickly: a scrape or a publish must not hang on a lost Redis."""
    return redis.Redis.from_url(
        redis_url, socket_connect_timeout=2, socket_timeout=2, retry=Retry(NoBackoff(), 1)
    )


class _Outage:
    """Logs the first failure of an outage and the recovery, not every attempt in between."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.down = False

    def failed(self, error: Exception) -> None:
        if not self.down:
            log.warning("%s: Redis unreachable (%s: %s)", self.what, type(error).__name__, error)
        self.down = True

    def recovered(self) -> None:
        if self.down:
            log.info("%s: Redis reachable again", self.what)
        self.down = False


def start_metrics_publisher(
    redis_url: str, process_name: str, interval: float = 10.0
) -> Callable[[], None]:
    """Publish this process's snapshot now and every ``interval`` s from a daemon thread.

    Returns ``stop()``: it ends the thread and retires the process's counts (see the module
    doc). Call it when the process exits cleanly; once is enough, more calls do nothing.
    """
    client = metrics_client(redis_url)
    ttl = 3 * interval + 5  # survives two missed publishes
    stopped = threading.Event()
    lock = threading.Lock()  # no publish may land after the retirement
    outage = _Outage(f"metrics publisher {process_name}")

    def publish() -> None:
        with lock:
            if stopped.is_set():
                return
            try:
                publish_snapshot(client, process_name, ttl)
            except redis.RedisError as error:
                outage.failed(error)
            except Exception:  # a bad sample must not end the publishes that follow
                log.exception("metrics publisher %s: snapshot failed", process_name)
            else:
                outage.recovered()

    def run() -> None:
        publish()
        while not stopped.wait(interval):
            publish()

    thread = threading.Thread(target=run, name="metrics-publisher", daemon=True)
    thread.start()

    def stop() -> None:
        with lock:
            if stopped.is_set():
                return
            stopped.set()
            try:
                retire_snapshot(client, process_name)
            except redis.RedisError as error:
                log.warning(
                    "metrics publisher %s: last counts not kept, Redis unreachable (%s); its "
                    "snapshot drops out of the sum within %.0f s", process_name, error, ttl,
                )  # fmt: skip
        thread.join(timeout=5)
        client.close()

    return stop


class _Sum(Collector):
    """Families summed per (sample name, labels); the first family of a name sets its type."""

    def __init__(self) -> None:
        self.meta: dict[str, tuple[str, str]] = {}
        self.values: dict[str, dict[tuple[str, Labels], float]] = {}

    def add(self, name: str, typ: str, help_text: str, samples: Iterable[Any]) -> None:
        known = self.meta.setdefault(name, (typ, help_text))
        if known[0] != typ:
            log.warning(
                "metric %s is a %s here and a %s elsewhere: not summed", name, known[0], typ
            )
            return
        values = self.values.setdefault(name, {})
        for sample_name, labels, value in samples:
            key = (
                str(sample_name),
                tuple(sorted((str(k), str(v)) for k, v in dict(labels).items())),
            )
            values[key] = values.get(key, 0.0) + float(value)

    def add_families(self, families: Iterable[FamilyJson]) -> None:
        for family in families:
            self.add(family["name"], family["type"], family["help"], family["samples"])

    def collect(self) -> Iterator[Metric]:
        for name, (typ, help_text) in self.meta.items():
            metric = Metric(name, help_text, typ)
            for sample_name, labels in sorted(self.values[name], key=_sample_order):
                metric.add_sample(
                    sample_name, dict(labels), self.values[name][(sample_name, labels)]
                )
            yield metric


def _sample_order(key: tuple[str, Labels]) -> tuple[Labels, int, float, str]:
    """Per label set: buckets by ``le``, then count, then sum (the order Prometheus writes)."""
    name, labels = key
    rank = next((r for suffix, r in SUFFIX_ORDER.items() if name.endswith(suffix)), 3)
    le = next((float(v) for k, v in labels if k == "le"), 0.0)
    return tuple(item for item in labels if item[0] != "le"), rank, le, name


def read_snapshots(client: redis.Redis, exclude: str | None = None) -> list[list[FamilyJson]]:
    """The families of every live snapshot but ``exclude``'s."""
    own = KEY_PREFIX + exclude if exclude is not None else None
    keys = [k for k in client.scan_iter(match=KEY_PREFIX + "*", count=500) if _text(k) != own]
    if not keys:
        return []
    snapshots = []
    for key, payload in zip(keys, client.mget(keys), strict=True):
        if payload is None:  # expired since the scan
            continue
        try:
            snapshots.append(list(json.loads(payload)["families"]))
        except (ValueError, KeyError, TypeError) as error:
            log.warning("metrics snapshot %r is not readable (%s): left out of the sum", key, error)
    return snapshots


def read_retired(client: redis.Redis) -> Iterator[tuple[str, str, str, str, Labels, float]]:
    """The retired totals: family, type, help, sample name, labels, value."""
    for field, value in client.hgetall(RETIRED_KEY).items():
        name, typ, help_text, sample_name, labels = json.loads(field)
        yield name, typ, help_text, sample_name, tuple(map(tuple, labels)), float(value)


def _text(key: bytes | str) -> str:
    return key.decode() if isinstance(key, bytes) else key


@lru_cache(maxsize=8)
def _scrape_client(redis_url: str) -> redis.Redis:
    return metrics_client(redis_url)


@lru_cache(maxsize=8)
def _scrape_outage(redis_url: str) -> _Outage:
    return _Outage("metrics scrape")


def aggregated_exposition(db: Database, redis_url: str, own_name: str) -> bytes:
    """/metrics over every process: this one's live registry, the live snapshots of the
    others, the retired totals, then the inventory once (the database is shared).

    With Redis unreachable it still answers, with this process's counts only and
    ``tether_metrics_workers_unreachable 1``.
    """
    total = _Sum()
    total.add_families(registry_snapshot())
    outage = _scrape_outage(redis_url)
    client = _scrape_client(redis_url)
    processes, unreachable = 1, 0
    try:
        others = read_snapshots(client, exclude=own_name)
        retired = list(read_retired(client))
    except redis.RedisError as error:
        outage.failed(error)
        unreachable = 1
    else:
        outage.recovered()
        processes += len(others)
        for families in others:
            total.add_families(families)
        for name, typ, help_text, sample_name, labels, value in retired:
            total.add(name, typ, help_text, [(sample_name, dict(labels), value)])
    return generate_latest(total) + _status(processes, unreachable) + inventory_exposition(db)


def _status(processes: int, unreachable: int) -> bytes:
    status = _Sum()
    status.add(
        "tether_metrics_processes",
        "gauge",
        "Processes whose live counts this scrape sums (this one included).",
        [("tether_metrics_processes", {}, processes)],
    )
    status.add(
        "tether_metrics_workers_unreachable",
        "gauge",
        "1 when Redis could not be read: the counts are this process's alone.",
        [("tether_metrics_workers_unreachable", {}, unreachable)],
    )
    return generate_latest(status)
