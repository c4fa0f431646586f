"""Discovery profiles of a client's integrations: save, list, search, delete, scan now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tether.domain.profile_rules import ALL, TypeSelection, selected_types
from tether.domain.profiles import Policy, ProfileDocument, ProfileInput, Schedule, next_run
from tether.errors import Conflict, InvalidInput
from tether.security.scoping import TenantScope
from tether.services.query import parse_query_string
from tether.store.db import Database
from tether.store.models import DiscoveryProfile, Scan
from tether.store.paging import Page, PageRequest
from tether.store.repositories.audit import AuditLog
from tether.store.repositories.integrations import IntegrationRepository
from tether.store.repositories.profiles import SCANNABLE_STATUS, ProfileFilter, ProfileRepository
from tether.store.types import utcnow

PROFILE_SEARCH_KEYS = ("name", "integration")
TARGET = "discovery_profile"


class ScanStarter(Protocol):
    """Queues a scan of one integration and returns it (``tether.services.scans.start_scan``)."""

    def __call__(
        self,
        db: Database,
        scope: TenantScope,
        integration_id: str,
        trigger: str,
        requested_by: str,
    ) -> Scan: ...


def default_scan_starter() -> ScanStarter:
    """``tether.services.scans.start_scan``, imported when first needed (it brings boto)."""
    from tether.services.scans import start_scan

    return start_scan


def document(profile: DiscoveryProfile) -> ProfileDocument:
    return ProfileDocument(
        id=profile.id,
        name=profile.name,
        installedIntegrationId=profile.integration_id,
        credentialSet=profile.credential_set,
        policy=Policy.model_validate(profile.policy),
        schedule=Schedule.model_validate(profile.schedule) if profile.schedule else None,
        nextRunTime=profile.next_run_at,
        lastRunTime=profile.last_run_at,
        createdTime=profile.created_at,
        updatedTime=profile.updated_at,
    )


def _first_run(schedule: Schedule | None, now: datetime) -> datetime | None:
    return next_run(schedule, now) if schedule is not None else None


def save_profiles(
    db: Database,
    scope: TenantScope,
    profiles: Sequence[ProfileInput],
    *,
    require_ids: bool = False,
    now: datetime | None = None,
) -> list[DiscoveryProfile]:
    """Create the profiles without an ``id`` and replace those with one; all or nothing.

    A changed schedule restarts from ``now``; an unchanged one keeps its next run.
    """
    scope.require_write()
    now = now or utcnow()
    saved: list[DiscoveryProfile] = []
    with db.transaction() as session:
        repo = ProfileRepository(session, scope)
        integrations = IntegrationRepository(session, scope)
        audit = AuditLog(session, scope)
        for index, item in enumerate(profiles):
            if item.id is None and require_ids:
                raise InvalidInput(f"[{index}].id", "is required to update a profile")
            integration = integrations.get(item.installedIntegrationId)
            policy = item.policy.model_dump(mode="json")
            schedule = item.schedule.model_dump(mode="json") if item.schedule else None
            if item.id is None:
                row = DiscoveryProfile(integration_id=integration.id, name=item.name)
                row.next_run_at = _first_run(item.schedule, now)
                action = "profile.create"
            else:
                row = repo.get(item.id)
                if row.schedule != schedule:
                    row.next_run_at = _first_run(item.schedule, now)
                action = "profile.update"
            clash = repo.named(integration.id, item.name)
            if clash is not None and clash is not row:
                raise Conflict(
                    f"[{index}].name: integration {integration.id} has a profile named "
                    f"{item.name!r}",
                    code="duplicate_name",
                )
            row.integration_id = integration.id
            row.name = item.name
            row.credential_set = item.credentialSet
            row.policy = policy
            row.schedule = schedule
            if item.id is None:
                repo.add(row)
            session.flush()
            audit.record(
                action, TARGET, str(row.id), {"name": row.name, "integration": integration.id}
            )
            saved.append(row)
    return saved


def list_profiles(db: Database, scope: TenantScope) -> list[DiscoveryProfile]:
    with db.transaction() as session:
        return list(ProfileRepository(session, scope).all())


def get_profile(db: Database, scope: TenantScope, profile_id: int) -> DiscoveryProfile:
    with db.transaction() as session:
        return ProfileRepository(session, scope).get(profile_id)


def delete_profile(db: Database, scope: TenantScope, profile_id: int) -> DiscoveryProfile:
    scope.require_write()
    with db.transaction() as session:
        repo = ProfileRepository(session, scope)
        profile = repo.get(profile_id)
        repo.delete(profile)
        AuditLog(session, scope).record(
            "profile.delete",
            TARGET,
            str(profile_id),
            {"name": profile.name, "integration": profile.integration_id},
        )
    return profile


def search_profiles(
    db: Database,
    scope: TenantScope,
    query_string: str | None,
    request: PageRequest,
    name: str | None = None,
) -> Page[DiscoveryProfile]:
    """``queryString=name:X+integration:INTG-...``, or python-opsramp's plain ``name=X``."""
    terms = parse_query_string(query_string, PROFILE_SEARCH_KEYS)
    if name is not None:
        if "name" in terms:
            raise InvalidInput("name", "given both as a parameter and in queryString")
        terms["name"] = name
    where = ProfileFilter(name_contains=terms.get("name"), integration_id=terms.get("integration"))
    with db.transaction() as session:
        return ProfileRepository(session, scope).search(where, request)


@dataclass(frozen=True, slots=True)
class Rescan:
    profile: DiscoveryProfile
    scan: Scan


def rescan(
    db: Database,
    scope: TenantScope,
    profile_id: int,
    start_scan: ScanStarter,
    trigger: str = "api",
    requested_by: str | None = None,
) -> Rescan:
    """Start a scan of the profile's integration now (it runs with all of its profiles)."""
    scope.require_write()
    with db.transaction() as session:
        profile = ProfileRepository(session, scope).get(profile_id)
        integration = IntegrationRepository(session, scope).get(profile.integration_id)
        if integration.status != SCANNABLE_STATUS:
            raise Conflict(
                f"integration {integration.id} is {integration.status}; enable it to scan",
                code="integration_not_enabled",
            )
    scan = start_scan(db, scope, profile.integration_id, trigger, requested_by or scope.actor)
    with db.transaction() as session:
        profile = ProfileRepository(session, scope).get(profile_id)
        profile.last_run_at = utcnow()
        AuditLog(session, scope).record(
            "profile.scan",
            TARGET,
            str(profile_id),
            {"scan": scan.id, "integration": profile.integration_id, "trigger": trigger},
        )
    return Rescan(profile, scan)


def types_to_collect(db: Database, scope: TenantScope, integration_id: str) -> TypeSelection:
    """What a scan of the integration collects; an integration without profiles: everything."""
    with db.transaction() as session:
        rows = ProfileRepository(session, scope).for_integration(integration_id)
        policies = [Policy.model_validate(row.policy) for row in rows]
    return selected_types(policies) if policies else ALL
