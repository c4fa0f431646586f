"""Discovery-profile test data: a client tenant, an integration row, a profile body, a
viewer's scope, and a scan starter that records scans without running them."""

from __future__ import annotations

import uuid
from typing import Any

from tether.domain.tenancy import Principal, PrincipalKind, Role, TenantKind
from tether.security.scoping import TenantRef, TenantScope, grant, system_scope
from tether.services.bootstrap import new_tenant_id
from tether.store.db import Database
from tether.store.models import Integration, Scan, Tenant
from tether.store.repositories.integrations import IntegrationRepository
from tether.store.repositories.tenants import TenantDirectory, TenantRepository


def client_scope(db: Database, name: str = "Acme", partner_id: str | None = None) -> TenantScope:
    """A client tenant (of a new partner unless given) and Tether's scope of it."""
    with db.transaction() as session:
        directory = TenantDirectory(session)
        if partner_id is None:
            partner = directory.add_partner(
                Tenant(id=new_tenant_id(TenantKind.PARTNER), kind="partner", name=f"MSP {name}")
            )
        else:
            found = directory.ref(partner_id)
            assert found is not None
            partner = found
        client = TenantRepository(session, system_scope(partner)).add_client(
            Tenant(id=new_tenant_id(TenantKind.CLIENT), kind="client", name=name)
        )
        ref = directory.ref(client.id)
    assert ref is not None
    return system_scope(ref)


def add_integration(db: Database, scope: TenantScope, **extra: Any) -> str:
    """An integration row in us-east-1 (no credential, no AWS behind it); returns its id."""
    integration_id = f"INTG-{uuid.uuid4()}"
    with db.transaction() as session:
        IntegrationRepository(session, scope).add(
            Integration(
                id=integration_id,
                display_name=extra.pop("display_name", "AWS prod"),
                regions_requested="us-east-1",
                regions=["us-east-1"],
                installed_by="test",
                **extra,
            )
        )
    return integration_id


def profile_body(
    integration_id: str, name: str = "AWS Basic Discovery Profile", **extra: Any
) -> Any:
    """A profile as OpsRamp's API takes it: any cloud resource and us-east-1 devices,
    managed, every two hours from 02:00 UTC."""
    body: dict[str, Any] = {
        "name": name,
        "installedIntegrationId": integration_id,
        "credentialSet": "AWS AWS Integration",
        "policy": {
            "name": name,
            "matchType": "ANY",
            "entityType": "ALL",
            "executionOrder": 0,
            "rules": [
                {"filterType": "ANY_CLOUD_RESOURCE"},
                {
                    "filterType": "DEVICE",
                    "key": "Region Name",
                    "operator": "Equals",
                    "value": "us-east-1",
                },
            ],
            "actions": [{"action": "MANAGE DEVICE", "items": []}],
        },
        "schedule": {"patternType": "HOURLY", "pattern": "2", "startTime": "02:00:00"},
    }
    body.update(extra)
    return body


class FakeScans:
    """Records scans as ``start_scan`` would, without running them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, str]] = []

    def __call__(
        self,
        db: Database,
        scope: TenantScope,
        integration_id: str,
        trigger: str,
        requested_by: str,
    ) -> Scan:
        with db.transaction() as session:
            scan = Scan(
                id=str(uuid.uuid4()),
                tenant_id=scope.tenant_id,
                integration_id=integration_id,
                trigger=trigger,
                requested_by=requested_by,
                status="queued",
            )
            session.add(scan)
        self.calls.append((scope.tenant_id, integration_id, trigger, requested_by))
        return scan


def viewer_of(scope: TenantScope) -> TenantScope:
    """The scope of an API client with the viewer role in the same tenant."""
    principal = Principal(
        PrincipalKind.API_CLIENT, 1, "viewer", Role.VIEWER, scope.tenant_id, scope.tenant_kind
    )
    return grant(principal, TenantRef(scope.tenant_id, scope.tenant_kind, None), scope.tenant_id)
