"""Discovery profiles through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.profiles import FakeScans, add_integration, client_scope, profile_body, viewer_of
from tether.domain.profile_rules import ALL
from tether.domain.profiles import parse_profiles
from tether.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tether.security.scoping import TenantScope
from tether.services import profiles
from tether.store.db import Database
from tether.store.models import AuditEvent
from tether.store.paging import PageRequest

NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _save(db: Database, scope: TenantScope, *bodies: Any, **options: Any) -> list[Any]:
    return profiles.save_profiles(db, scope, parse_profiles(list(bodies)), **options)


def test_create_get_list_and_next_run(database: Database) -> None:
    scope = client_scope(database)
    integration = add_integration(database, scope)
    (created,) = _save(database, scope, profile_body(integration), now=NOON)
    assert created.next_run_at == datetime(2024, 5, 1, 14, 0, tzinfo=UTC)
    got = profiles.get_profile(database, scope, created.id)
    document = profiles.document(got)
    assert document.installedIntegrationId == integration
    assert document.policy.rules[1].value == "us-east-1"
    assert document.model_dump(mode="json")["nextRunTime"] == "2024-05-01T14:00:00+0000"
    assert [p.id for p in profiles.list_profiles(database, scope)] == [created.id]


def test_update_keeps_or_restarts_the_schedule(database: Database) -> None:
    scope = client_scope(database)
    integration = add_integration(database, scope)
    (created,) = _save(database, scope, profile_body(integration), now=NOON)
    later = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)

    renamed = profile_body(integration, name="Renamed", id=created.id)
    (same,) = _save(database, scope, renamed, now=later, require_ids=True)
    assert (same.id, same.name) == (created.id, "Renamed")
    assert same.next_run_at == created.next_run_at  # schedule unchanged: next run kept

    daily = {"patternType": "DAILY", "startTime": "06:00:00"}
    (moved,) = _save(database, scope, {**renamed, "schedule": daily}, now=later)
    assert moved.next_run_at == datetime(2024, 5, 2, 6, 0, tzinfo=UTC)

    (unscheduled,) = _save(database, scope, {**renamed, "schedule": None}, now=later)
    assert unscheduled.next_run_at is None
    assert len(profiles.list_profiles(database, scope)) == 1


def test_saving_is_all_or_nothing(database: Database) -> None:
    scope = client_scope(database)
    integration = add_integration(database, scope)
    with pytest.raises(Conflict, match=r"\[1\]\.name"):
        _save(database, scope, profile_body(integration), profile_body(integration))
    with pytest.raises(NotFound, match="INTG-missing"):
        _save(database, scope, profile_body(integration, "A"), profile_body("INTG-missing"))
    with pytest.raises(NotFound, match="discovery profile 999"):
        _save(database, scope, profile_body(integration, id=999))
    with pytest.raises(InvalidInput, match=r"\[0\]\.id"):
        _save(database, scope, profile_body(integration), require_ids=True)
    assert profiles.list_profiles(database, scope) == []


def test_another_tenants_integration_and_profile_are_not_found(database: Database) -> None:
    acme = client_scope(database, "Acme")
    globex = client_scope(database, "Globex")
    theirs = add_integration(database, globex)
    (their_profile,) = _save(database, globex, profile_body(theirs))
    with pytest.raises(NotFound):
        _save(database, acme, profile_body(theirs))
    with pytest.raises(NotFound):
        profiles.get_profile(database, acme, their_profile.id)
    with pytest.raises(NotFound):
        profiles.delete_profile(database, acme, their_profile.id)
    mine = add_integration(database, acme)
    with pytest.raises(NotFound):
        _save(database, acme, profile_body(mine, id=their_profile.id))
    assert profiles.list_profiles(database, acme) == []


def test_viewer_reads_but_does_not_write(database: Database) -> None:
    scope = client_scope(database)
    integration = add_integration(database, scope)
    (created,) = _save(database, scope, profile_body(integration))
    viewer = viewer_of(scope)
    assert profiles.get_profile(database, viewer, created.id).id == created.id
    with pytest.raises(PermissionDenied):
        _save(database, viewer, profile_body(integration, "Other"))
    with pytest.raises(PermissionDenied):
        profiles.delete_profile(database, viewer, created.id)
    with pytest.raises(PermissionDenied):
        profiles.rescan(database, viewer, created.id, FakeScans())


def test_search(database: Database) -> None:
    scope = client_scope(database)
    first, second = add_integration(database, scope), add_integration(database, scope)
    _save(
        database,
        scope,
        profile_body(first, "Prod 100% EC2"),
        profile_body(first, "Staging"),
        profile_body(second, "Prod S3"),
    )

    def names(query: str | None, name: str | None = None) -> list[str]:
        page = profiles.search_profiles(database, scope, query, PageRequest(), name=name)
        return [p.name for p in page.items]

    assert names("name:prod") == ["Prod 100% EC2", "Prod S3"]
    assert names(f"name:prod+integration:{second}") == ["Prod S3"]
    assert names(f"integration:{first}") == ["Prod 100% EC2", "Staging"]
    assert names(None, name="Staging") == ["Staging"]
    assert names("name:100%") == ["Prod 100% EC2"]  # LIKE wildcards are literal
    assert names("name:_") == []
    page = profiles.search_profiles(database, scope, None, PageRequest(page_size=2, page_no=2))
    assert (page.total, page.total_pages, [p.name for p in page.items]) == (3, 2, ["Staging"])
    with pytest.raises(InvalidInput, match="queryString"):
        names("colour:red")
    with pytest.raises(InvalidInput, match="name"):
        names("name:prod", name="prod")


def test_delete_and_audit(database: Database) -> None:
    scope = client_scope(database)
    integration = add_integration(database, scope)
    (created,) = _save(database, scope, profile_body(integration))
    _save(database, scope, profile_body(integration, id=created.id, name="Renamed"))
    profiles.delete_profile(database, scope, created.id)
    with pytest.raises(NotFound):
        profiles.get_profile(database, scope, created.id)
    with database.transaction() as session:
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.tenant_id == scope.tenant_id)
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["profile.create", "profile.update", "profile.delete"]


def test_rescan_starts_a_scan_of_the_integration(database: Database) -> None:
    scope = client_scope(database)
    integration = add_integration(database, scope)
    (created,) = _save(database, scope, profile_body(integration))
    scans = FakeScans()
    result = profiles.rescan(database, scope, created.id, scans)
    assert scans.calls == [(scope.tenant_id, integration, "api", "system")]
    assert result.scan.integration_id == integration
    assert profiles.get_profile(database, scope, created.id).last_run_at is not None
    with pytest.raises(NotFound):
        profiles.rescan(database, scope, created.id + 1, scans)

    disabled = add_integration(database, scope, status="disabled")
    (idle,) = _save(database, scope, profile_body(disabled, "Idle"))
    with pytest.raises(Conflict, match="disabled"):
        profiles.rescan(database, scope, idle.id, scans)
    assert len(scans.calls) == 1


def test_types_to_collect(database: Database) -> None:
    scope = client_scope(database)
    integration = add_integration(database, scope)
    assert profiles.types_to_collect(database, scope, integration) is ALL  # no profiles
    devices = profile_body(integration)
    devices["policy"]["rules"] = [{"filterType": "DEVICE"}]
    buckets = profile_body(integration, "Buckets")
    buckets["policy"]["rules"] = [{"filterType": "AWS_S3_BUCKET"}]
    _save(database, scope, devices, buckets)
    assert profiles.types_to_collect(database, scope, integration) == {"DEVICE", "AWS_S3_BUCKET"}
