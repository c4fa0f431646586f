"""Inventory semantics beyond a single scope: global scopes, profile exclusion, retention,
and the inventory as Prometheus sees it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.api.test_resources import scope_of
from tests.support.app import Api
from tests.support.profiles import add_integration
from tether.discovery.inventory import apply_scope
from tether.domain.resources import ResourceRecord
from tether.security.scoping import TenantScope
from tether.services.scans import purge_expired
from tether.store.db import Database
from tether.store.models import Integration, Resource, ResourceChange
from tether.store.types import utcnow

ACCOUNT = "111111111111"


def bucket(name: str, region: str) -> ResourceRecord:
    return ResourceRecord(
        arn=f"arn:aws:s3:::{name}",
        resource_type="AWS_S3_BUCKET",
        name=name,
        account_id=ACCOUNT,
        region=region,
    )


def queue(name: str, env: str = "prod") -> ResourceRecord:
    return ResourceRecord(
        arn=f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}",
        resource_type="SQS",
        name=name,
        account_id=ACCOUNT,
        region="us-east-1",
        tags={"Environment": env},
    )


def _apply(
    db: Database,
    scope: TenantScope,
    integration: str,
    region: str | None,
    code: str,
    found: list[ResourceRecord],
    excluded: frozenset[str] = frozenset(),
) -> None:
    with db.transaction() as session:
        apply_scope(session, scope, integration, region, code, found, None, excluded=excluded)


def _history(db: Database) -> list[tuple[str, str]]:
    with db.transaction() as session:
        rows = session.execute(
            select(ResourceChange.kind, Resource.name)
            .join(Resource, Resource.id == ResourceChange.resource_id)
            .order_by(ResourceChange.id)
        ).all()
    return [(kind, name) for kind, name in rows]


def test_a_global_scope_spans_regions(api: Api) -> None:
    scope = scope_of(api.db, api.create_client("Global")["uniqueId"])
    integration = add_integration(api.db, scope, account_id=ACCOUNT)
    _apply(api.db, scope, integration, None, "AWS_S3_BUCKET",
           [bucket("logs", "eu-west-1"), bucket("site", "us-east-1")])  # fmt: skip
    _apply(api.db, scope, integration, None, "AWS_S3_BUCKET", [bucket("site", "us-east-1")])
    assert _history(api.db) == [("created", "logs"), ("created", "site"), ("deleted", "logs")]


def test_a_resource_no_profile_selects_any_more_is_excluded_not_deleted(api: Api) -> None:
    scope = scope_of(api.db, api.create_client("Profiles")["uniqueId"])
    integration = add_integration(api.db, scope, account_id=ACCOUNT)
    _apply(api.db, scope, integration, "us-east-1", "SQS", [queue("orders"), queue("tmp", "dev")])
    dev = queue("tmp", "dev")
    _apply(api.db, scope, integration, "us-east-1", "SQS", [queue("orders")], frozenset({dev.arn}))
    assert _history(api.db)[-1] == ("excluded", "tmp")


def test_deleted_resources_are_kept_for_the_integrations_retention_period(api: Api) -> None:
    scope = scope_of(api.db, api.create_client("Retention")["uniqueId"])
    integration_id = add_integration(api.db, scope, account_id=ACCOUNT)
    names = ("old", "recent", "alive")
    _apply(api.db, scope, integration_id, "us-east-1", "SQS", [queue(n) for n in names])
    _apply(api.db, scope, integration_id, "us-east-1", "SQS", [queue("alive")])
    with api.db.transaction() as session:
        rows = {r.name: r for r in session.scalars(select(Resource))}
        rows["old"].deleted_at = utcnow() - timedelta(days=7, minutes=1)
        rows["recent"].deleted_at = utcnow() - timedelta(days=6, hours=23)
        integration = session.get(Integration, integration_id)
        assert integration is not None
        assert integration.retention_days == 7
    assert purge_expired(api.db, scope, integration) == 1
    with api.db.transaction() as session:
        kept = {r.name for r in session.scalars(select(Resource))}
    assert kept == {"recent", "alive"}
    integration.retention_days = 30
    with api.db.transaction() as session:
        session.get(Resource, rows["recent"].id).deleted_at = utcnow() - timedelta(days=29)  # type: ignore[union-attr]
    assert purge_expired(api.db, scope, integration) == 0


def test_metrics_show_inventory_size_per_integration_and_type(api: Api) -> None:
    scope = scope_of(api.db, api.create_client("Metrics")["uniqueId"])
    integration = add_integration(api.db, scope, account_id=ACCOUNT)
    _apply(api.db, scope, integration, "us-east-1", "SQS", [queue("a"), queue("b")])
    response = api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    line = (
        f'tether_inventory_resources{{integration="{integration}",resource_type="SQS",'
        f'tenant="{scope.tenant_id}"}} 2.0'
    )
    assert line in response.text
    for family in ("tether_aws_requests_total", "tether_scan_duration_seconds",
                   "tether_integration_last_scan_age_seconds"):  # fmt: skip
        assert f"# TYPE {family.removesuffix('_total')}" in response.text
