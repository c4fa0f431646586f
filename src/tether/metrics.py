"""Prometheus metrics: AWS calls, throttles and errors per service, scans, inventory.

Counters live in one process-wide registry fed by the AWS call hooks; inventory size and
freshness are read from the database at scrape time, so they are right whichever process
ran the scans.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from tether.aws.metering import is_throttle, watch_process
from tether.store.db import Database
from tether.store.models import Integration, Resource, Scan
from tether.store.types import utcnow

REGISTRY = CollectorRegistry(auto_describe=True)
AWS_REQUESTS = Counter(
    "tether_aws_requests", "AWS requests sent (every attempt).", ["service"], registry=REGISTRY
)
AWS_THROTTLES = Counter(
    "tether_aws_throttles", "AWS requests answered with a throttling error.", ["service"],
    registry=REGISTRY,
)  # fmt: skip
AWS_ERRORS = Counter(
    "tether_aws_errors", "AWS requests answered with another error.", ["service", "code"],
    registry=REGISTRY,
)  # fmt: skip
SCAN_SECONDS = Histogram(
    "tether_scan_duration_seconds",
    "Wall time of finished scans.",
    ["status"],
    buckets=(1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
    registry=REGISTRY,
)
SCAN_UNITS = Counter(
    "tether_scan_units", "Scan units finished, by outcome.", ["status"], registry=REGISTRY
)


class _AwsCalls:
    def before_attempt(self, service: str, region: str, operation: str) -> None:
        AWS_REQUESTS.labels(service).inc()

    def after_attempt(
        self, service: str, region: str, operation: str, error_code: str | None
    ) -> None:
        if error_code is None:
            return
        if is_throttle(error_code):
            AWS_THROTTLES.labels(service).inc()
        else:
            AWS_ERRORS.labels(service, error_code).inc()


watch_process(_AwsCalls())


def scan_finished(status: str, started: datetime | None, finished: datetime) -> None:
    if started is not None:
        SCAN_SECONDS.labels(status).observe((finished - started).total_seconds())


class InventoryCollector(Collector):
    """Inventory size per integration and type, and the age of each integration's last scan."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        size = GaugeMetricFamily(
            "tether_inventory_resources",
            "Resources in the inventory (not deleted).",
            labels=["tenant", "integration", "resource_type"],
        )
        age = GaugeMetricFamily(
            "tether_integration_last_scan_age_seconds",
            "Seconds since the integration's last finished scan started (freshness).",
            labels=["tenant", "integration", "status"],
        )
        now = utcnow()
        with self.db.transaction() as session:
            counts = session.execute(
                select(
                    Resource.tenant_id,
                    Resource.integration_id,
                    Resource.resource_type,
                    func.count(),
                )
                .where(Resource.deleted_at.is_(None))
                .group_by(Resource.tenant_id, Resource.integration_id, Resource.resource_type)
            ).all()
            last = session.execute(
                select(Integration.tenant_id, Integration.id, Scan.status, Scan.started_at).join(
                    Scan, Scan.id == Integration.last_scan_id
                )
            ).all()
        for tenant, integration, resource_type, count in counts:
            size.add_metric([tenant, integration, resource_type], count)
        for tenant, integration, status, started in last:
            if started is not None:
                age.add_metric([tenant, integration, status], (now - started).total_seconds())
        yield size
        yield age


def inventory_exposition(db: Database) -> bytes:
    """The inventory families alone: read from the shared database, so one copy per scrape."""
    return generate_latest(InventoryCollector(db))


def exposition(db: Database) -> bytes:
    """The text the /metrics endpoint serves when this process runs every scan itself."""
    return generate_latest(REGISTRY) + inventory_exposition(db)
