"""Metrics summed over processes through a real Redis: snapshots, expiry, retirement, /metrics."""

from __future__ import annotations

import json
import logging
import multiprocessing
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from tests.support.redis import RedisServer
from tether.metrics import AWS_REQUESTS, SCAN_SECONDS
from tether.metrics_shared import (
    KEY_PREFIX,
    RETIRED_KEY,
    aggregated_exposition,
    publish_snapshot,
    start_metrics_publisher,
)
from tether.store.db import Database

if TYPE_CHECKING:
    from tests.support.app import Api

OWN = "api@test:1"
Key = tuple[str, frozenset[tuple[str, str]]]


@pytest.fixture
def metrics_redis(redis_url: str) -> Iterator[str]:
    """Database 15 of the session's Redis, empty, so no other test's snapshot is counted."""
    url = urlunsplit(urlsplit(redis_url)._replace(path="/15"))
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def parse(text: bytes) -> dict[Key, float]:
    """Every sample of a valid exposition; fails on invalid text or a family named twice."""
    families = list(text_string_to_metric_families(text.decode()))
    names = [family.name for family in families]
    assert len(names) == len(set(names)), names
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in families
        for sample in family.samples
    }


def value(samples: dict[Key, float], name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def _worker(url: str, name: str, requests: dict[str, int], scans: list[tuple[str, float]]) -> None:
    """A separate OS process: count, publish once, exit."""
    for service, count in requests.items():
        AWS_REQUESTS.labels(service).inc(count)
    for status, seconds in scans:
        SCAN_SECONDS.labels(status).observe(seconds)
    publish_snapshot(redis.Redis.from_url(url), name, ttl=120)


def _stopping_worker(url: str, name: str, service: str) -> None:
    """A separate OS process running the publisher thread, stopping cleanly at the end."""
    client = redis.Redis.from_url(url)

    def published() -> float | None:
        payload = client.get(KEY_PREFIX + name)
        if payload is None:
            return None
        for family in json.loads(payload)["families"]:
            for sample_name, labels, number in family["samples"]:
                if sample_name == "tether_aws_requests_total" and labels == {"service": service}:
                    return float(number)
        return None

    def wait_for(expected: float) -> None:
        deadline = time.monotonic() + 30
        while published() != expected:
            if time.monotonic() > deadline:
                raise SystemExit(f"snapshot never showed {expected}: {published()}")
            time.sleep(0.05)

    stop = start_metrics_publisher(url, name, interval=0.2)
    AWS_REQUESTS.labels(service).inc(3)
    wait_for(3)
    AWS_REQUESTS.labels(service).inc(4)
    wait_for(7)  # published again by the thread, not only at start
    stop()


def in_children(*calls: tuple[Callable[..., None], *tuple[object, ...]]) -> None:
    """Run each ``(target, *args)`` in a spawned process, all at once; each must exit 0."""
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=target, args=args) for target, *args in calls]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0


@contextmanager
def api_on(db: Database, tmp_path: Path, **settings: str) -> Iterator[Api]:
    # Imported here: spawned children import this module, and the app is slow to import.
    from tests.support.app import make_api

    with contextmanager(make_api)(db, tmp_path, **settings) as api:
        yield api


def test_two_worker_processes_and_this_one_sum_exactly(
    metrics_redis: str, sqlite_database: Database
) -> None:
    tag = uuid.uuid4().hex[:8]
    ec2, s3, rds, ok = f"ec2-{tag}", f"s3-{tag}", f"rds-{tag}", f"ok-{tag}"
    in_children(
        (_worker, metrics_redis, "worker@a:1", {ec2: 3, s3: 2}, [(ok, 4.0), (ok, 40.0)]),
        (_worker, metrics_redis, "worker@b:2", {ec2: 4, rds: 1}, [(ok, 4.0)]),
    )
    # A snapshot this process left under its own name is replaced by its live registry.
    AWS_REQUESTS.labels(ec2).inc(100)
    publish_snapshot(redis.Redis.from_url(metrics_redis), OWN, ttl=120)
    AWS_REQUESTS.labels(ec2).inc(5)
    SCAN_SECONDS.labels(ok).observe(700.0)

    samples = parse(aggregated_exposition(sqlite_database, metrics_redis, OWN))

    assert value(samples, "tether_aws_requests_total", service=ec2) == 3 + 4 + 105
    assert value(samples, "tether_aws_requests_total", service=s3) == 2
    assert value(samples, "tether_aws_requests_total", service=rds) == 1
    buckets = {
        le: value(samples, "tether_scan_duration_seconds_bucket", status=ok, le=le)
        for le in ("1.0", "5.0", "30.0", "60.0", "600.0", "1800.0", "+Inf")
    }
    assert buckets == {
        "1.0": 0, "5.0": 2, "30.0": 2, "60.0": 3, "600.0": 3, "1800.0": 4, "+Inf": 4
    }  # fmt: skip
    assert value(samples, "tether_scan_duration_seconds_count", status=ok) == 4
    assert value(samples, "tether_scan_duration_seconds_sum", status=ok) == 748.0
    assert value(samples, "tether_metrics_processes") == 3
    assert value(samples, "tether_metrics_workers_unreachable") == 0
    # Creation times are per process: not summed, not served.
    assert not any(name.endswith("_created") for name, _ in samples)


def test_inventory_is_served_once_not_per_process(
    metrics_redis: str, sqlite_database: Database
) -> None:
    client = redis.Redis.from_url(metrics_redis)
    publish_snapshot(client, "worker@a:1", ttl=60)
    publish_snapshot(client, "worker@b:2", ttl=60)
    text = aggregated_exposition(sqlite_database, metrics_redis, OWN)
    parse(text)  # valid, and no family twice
    assert text.count(b"# TYPE tether_inventory_resources gauge") == 1
    assert text.count(b"# TYPE tether_aws_requests_total counter") == 1


def test_an_expired_snapshot_drops_out(metrics_redis: str, sqlite_database: Database) -> None:
    service = f"ec2-{uuid.uuid4().hex[:8]}"
    AWS_REQUESTS.labels(service).inc(2)
    client = redis.Redis.from_url(metrics_redis)
    publish_snapshot(client, "worker@gone:9", ttl=1.5)
    assert 0 < client.pttl(KEY_PREFIX + "worker@gone:9") <= 1500

    samples = parse(aggregated_exposition(sqlite_database, metrics_redis, OWN))
    assert value(samples, "tether_aws_requests_total", service=service) == 4
    assert value(samples, "tether_metrics_processes") == 2

    deadline = time.monotonic() + 30
    while client.exists(KEY_PREFIX + "worker@gone:9"):
        assert time.monotonic() < deadline, "snapshot never expired"
        time.sleep(0.1)
    samples = parse(aggregated_exposition(sqlite_database, metrics_redis, OWN))
    assert value(samples, "tether_aws_requests_total", service=service) == 2
    assert value(samples, "tether_metrics_processes") == 1


def test_a_process_that_stops_cleanly_keeps_its_counts_in_the_sum(
    metrics_redis: str, sqlite_database: Database
) -> None:
    service = f"ec2-{uuid.uuid4().hex[:8]}"
    in_children((_stopping_worker, metrics_redis, "worker@c:3", service))
    client = redis.Redis.from_url(metrics_redis)
    assert not client.exists(KEY_PREFIX + "worker@c:3")
    assert client.hlen(RETIRED_KEY) > 0
    samples = parse(aggregated_exposition(sqlite_database, metrics_redis, OWN))
    # Counted once (retired, snapshot gone), so the sum does not drop as the process leaves.
    assert value(samples, "tether_aws_requests_total", service=service) == 7
    assert value(samples, "tether_metrics_processes") == 1


def test_the_publisher_rides_out_a_redis_outage(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tether.metrics_shared")
    name = "worker@outage:4"
    client = redis.Redis.from_url(own_redis.url)

    def wait_for_snapshot() -> None:
        deadline = time.monotonic() + 30
        while not client.exists(KEY_PREFIX + name):
            assert time.monotonic() < deadline, "no snapshot published"
            time.sleep(0.05)

    stop = start_metrics_publisher(own_redis.url, name, interval=0.1)
    try:
        wait_for_snapshot()
        own_redis.stop()
        time.sleep(1.0)  # several publishes fail meanwhile
        own_redis.start()
        wait_for_snapshot()
    finally:
        stop()
    warnings = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    recoveries = [r for r in caplog.records if "reachable again" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    assert warnings[0].levelno == logging.WARNING
    assert "Connection" in warnings[0].getMessage()  # the cause is named
    assert len(recoveries) == 1
    assert not client.exists(KEY_PREFIX + name)  # stop() retired it
    stop()  # a second stop does nothing


def test_metrics_route_serves_the_sum_when_a_broker_is_set(
    metrics_redis: str, sqlite_database: Database, tmp_path: Path
) -> None:
    service = f"ec2-{uuid.uuid4().hex[:8]}"
    AWS_REQUESTS.labels(service).inc(6)
    publish_snapshot(redis.Redis.from_url(metrics_redis), "worker@d:5", ttl=60)
    with api_on(sqlite_database, tmp_path, broker_url=metrics_redis) as api:
        response = api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = parse(response.content)
    assert value(samples, "tether_aws_requests_total", service=service) == 12
    assert value(samples, "tether_metrics_processes") == 2


def test_metrics_route_without_a_broker_serves_this_process(
    sqlite_database: Database, tmp_path: Path
) -> None:
    service = f"ec2-{uuid.uuid4().hex[:8]}"
    AWS_REQUESTS.labels(service).inc(2)
    with api_on(sqlite_database, tmp_path) as api:
        samples = parse(api.client.get("/metrics").content)
    assert value(samples, "tether_aws_requests_total", service=service) == 2
    assert value(samples, "tether_metrics_processes") is None


def test_metrics_route_answers_with_redis_down(
    own_redis: RedisServer,
    sqlite_database: Database,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="tether.metrics_shared")
    service = f"ec2-{uuid.uuid4().hex[:8]}"
    AWS_REQUESTS.labels(service).inc(3)
    publish_snapshot(redis.Redis.from_url(own_redis.url), "worker@e:6", ttl=60)
    with api_on(sqlite_database, tmp_path, broker_url=own_redis.url) as api:
        own_redis.stop()
        down = [api.client.get("/metrics") for _ in range(2)]
        own_redis.start()  # empty again: it kept nothing on disk
        up = api.client.get("/metrics")
    for response in down:
        assert response.status_code == 200
        samples = parse(response.content)
        assert value(samples, "tether_aws_requests_total", service=service) == 3
        assert value(samples, "tether_metrics_workers_unreachable") == 1
        assert value(samples, "tether_metrics_processes") == 1
        assert b"# TYPE tether_inventory_resources gauge" in response.content
    warnings = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not per scrape
    samples = parse(up.content)
    assert value(samples, "tether_metrics_workers_unreachable") == 0
