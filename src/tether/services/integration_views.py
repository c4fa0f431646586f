"""How an installed integration is shown: OpsRamp's shape plus Tether's own fields."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tether.domain.formats import opsramp_time
from tether.security.scoping import TenantScope
from tether.services.integration_access import parent_credential
from tether.services.runtime import Runtime
from tether.store.models import DiscoveryProfile, Integration, Scan
from tether.store.repositories.integrations import IntegrationRepository


def credential_of(
    rt: Runtime, scope: TenantScope, integration: Integration
) -> tuple[Integration, dict[str, Any]]:
    """What may be shown of the credential an integration uses (keys masked, no secret)."""
    holder, credential = parent_credential(rt, scope, integration)
    shown = credential.describe()
    if integration.parent_id is not None and credential.role and integration.account_id:
        assert holder.member_role_name is not None
        member = credential.role.in_account(integration.account_id, holder.member_role_name)
        shown["AssumeRoleARN"] = member.role_arn
    return holder, shown


def detail(rt: Runtime, scope: TenantScope, integration: Integration) -> dict[str, Any]:
    """The integration page: regions, permissions, profiles, linked accounts, last scan."""
    with rt.db.transaction() as session:
        profiles = session.scalars(
            select(DiscoveryProfile)
            .where(
                DiscoveryProfile.tenant_id == scope.tenant_id,
                DiscoveryProfile.integration_id == integration.id,
            )
            .order_by(DiscoveryProfile.id)
        ).all()
        kids = IntegrationRepository(session, scope).children(integration.id)
        last = session.get(Scan, integration.last_scan_id) if integration.last_scan_id else None
    validation = integration.validation or {}
    return {
        "regionAuthorization": validation.get("regions", []),
        "permissions": validation.get("permissions", []),
        "discoveryProfiles": [
            {"id": p.id, "name": p.name, "inheritedFrom": p.inherited_from} for p in profiles
        ],
        "linkedAccounts": [
            {
                "id": kid.id,
                "displayName": kid.display_name,
                "accountNumber": kid.account_id,
                "status": kid.status,
                "statusReason": kid.status_reason,
                "organizationStatus": kid.org_status,
            }
            for kid in kids
        ],
        "lastScan": (
            {
                "id": last.id,
                "status": last.status,
                "trigger": last.trigger,
                "startedAt": last.started_at.isoformat() if last.started_at else None,
                "finishedAt": last.finished_at.isoformat() if last.finished_at else None,
                "resourcesFound": last.resources_found,
            }
            if last
            else None
        ),
    }


def view(
    rt: Runtime, scope: TenantScope, integration: Integration, full: bool = False
) -> dict[str, Any]:
    """An integration as OpsRamp's API shows it, plus Tether's fields; ``full`` adds the
    integration page's details. Never a secret: keys are masked."""
    holder, shown = credential_of(rt, scope, integration)
    credential: dict[str, Any] = {
        "Name": integration.display_name,
        "AccountNumber": integration.account_id,
        "Regions": integration.regions_requested,
        **{key: value for key, value in shown.items() if value is not None},
    }
    out: dict[str, Any] = {
        "id": integration.id,
        "integration": {"id": "AWS", "name": "AWS"},
        "displayName": integration.display_name,
        "credential": credential,
        "installedBy": integration.installed_by,
        "installedTime": opsramp_time(integration.installed_at),
        "status": integration.status,
        "statusReason": integration.status_reason,
        "accountNumber": integration.account_id,
        "accountName": integration.account_name,
        "regions": integration.regions,
        "authorization": integration.authorization,
        "parentId": integration.parent_id,
        "installAllLinkedAccounts": integration.install_all_linked,
        "memberRoleName": holder.member_role_name,
        "organizationStatus": integration.org_status,
        "lastScanId": integration.last_scan_id,
        "deletedResourceRetentionDays": integration.retention_days,
    }
    if full:
        out.update(detail(rt, scope, integration))
    return out
