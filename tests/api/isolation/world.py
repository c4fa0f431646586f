"""Client A's world: partner P with clients A and B, partner P2, a key (and a console
session) per caller, and client A's real objects (an installed Organization, a scan, its
inventory, a profile); and what a refused call must leave as it was.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from tests.api.isolation.routes import Who
from tests.api.test_integrations import install_body
from tests.support.app import Api, make_api
from tests.support.org_scans import EMULATED_RULES, set_rules, start_scans, wait_scans
from tether.domain.tenancy import Role, TenantKind
from tether.emulator import EmulatedOrganization
from tether.security import tokens
from tether.security.passwords import hash_secret
from tether.security.scoping import TenantScope, system_scope
from tether.services.bootstrap import new_tenant_id
from tether.services.logins import login
from tether.store.db import Database
from tether.store.migrate import upgrade
from tether.store.models import (
    AccessToken,
    ApiClient,
    AuditEvent,
    DiscoveryProfile,
    Integration,
    Scan,
    Tenant,
    User,
)
from tether.store.repositories.identity import UserRepository
from tether.store.repositories.tenants import TenantDirectory
from tether.store.types import utcnow
from tether.web.session import SESSION_COOKIE

# --- client A's world --------------------------------------------------------------------


@dataclass
class World:
    api: Api
    org: EmulatedOrganization
    partner: str
    other_partner: str
    client_a: str
    client_b: str
    integration: str  # A's parent integration (the management account, linked accounts)
    children: list[str]
    accounts: list[str]
    scan: str
    resource: int
    profile: int
    headers: dict[Who, dict[str, str]]
    labels: dict[Who, str]  # how the audit log names each caller
    identifying: set[str]  # strings that identify client A or its objects
    secret_values: set[str]  # must never appear in any answer
    victim_token: str  # client A's admin's token that every caller tries to revoke
    sessions: dict[Who, dict[str, str]] = field(default_factory=dict)  # console cookies
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    @property
    def scope_a(self) -> TenantScope:
        with self.api.db.transaction() as session:
            ref = TenantDirectory(session).ref(self.client_a)
        assert ref is not None
        return system_scope(ref)

    def tenant_of(self, who: Who) -> str | None:
        return {
            Who.OWN_ADMIN: self.client_a,
            Who.OWN_VIEWER: self.client_a,
            Who.EXPIRED: self.client_a,
            Who.OTHER_CLIENT: self.client_b,
            Who.PARTNER_ADMIN: self.partner,
            Who.PARTNER_VIEWER: self.partner,
            Who.OTHER_PARTNER: self.other_partner,
        }.get(who)


def _add_partner(db: Database, name: str) -> str:
    with db.transaction() as session:
        partner = TenantDirectory(session).add_partner(
            Tenant(id=new_tenant_id(TenantKind.PARTNER), kind="partner", name=name)
        )
        return partner.id


def _expire(db: Database, token: str) -> None:
    with db.transaction() as session:
        session.execute(
            update(AccessToken)
            .where(AccessToken.token_digest == tokens.digest(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


def build_world(db_dir: Path, endpoint_url: str, org: EmulatedOrganization) -> Iterator[World]:
    """Partner P with clients A and B, partner P2; A holds the organization's management
    account (with its linked accounts), a finished scan and its inventory."""
    db = Database(f"sqlite:///{db_dir / 'tether.db'}")
    upgrade(db.engine)
    try:
        for api in make_api(db, db_dir, aws_endpoint_url=endpoint_url, iam_propagation_seconds=0.5):
            yield _populate(api, org)
    finally:
        db.dispose()


def _populate(api: Api, org: EmulatedOrganization) -> World:
    stamp = time.time_ns()
    client_a = api.create_client(f"Isolation Acme {stamp}")["uniqueId"]
    client_b = api.create_client(f"Isolation Bravo {stamp}")["uniqueId"]
    other_partner = _add_partner(api.db, f"Isolation MSP {stamp}")
    keys = {
        Who.OWN_ADMIN: api.add_api_client(client_a, Role.CLIENT_ADMIN, "a-admin"),
        Who.OWN_VIEWER: api.add_api_client(client_a, Role.VIEWER, "a-viewer"),
        Who.OTHER_CLIENT: api.add_api_client(client_b, Role.CLIENT_ADMIN, "b-admin"),
        Who.PARTNER_VIEWER: api.add_api_client(api.partner_id, Role.VIEWER, "p-viewer"),
        Who.OTHER_PARTNER: api.add_api_client(other_partner, Role.PARTNER_ADMIN, "p2-admin"),
        Who.EXPIRED: api.add_api_client(client_a, Role.CLIENT_ADMIN, "a-expiring"),
    }
    victim_key, victim_secret = api.add_api_client(client_a, Role.CLIENT_ADMIN, "a-victim")
    victim_token = api.token(victim_key, victim_secret)
    assert api.boot.api_secret is not None
    keys[Who.PARTNER_ADMIN] = (api.boot.api_key, api.boot.api_secret)
    headers = {who: api.headers(key, secret) for who, (key, secret) in keys.items()}
    headers[Who.NO_TOKEN] = {}
    _expire(api.db, headers[Who.EXPIRED]["Authorization"].split()[1])
    labels = {
        Who.OWN_ADMIN: "api:a-admin",
        Who.OWN_VIEWER: "api:a-viewer",
        Who.OTHER_CLIENT: "api:b-admin",
        Who.PARTNER_VIEWER: "api:p-viewer",
        Who.OTHER_PARTNER: "api:p2-admin",
        Who.EXPIRED: "api:a-expiring",
    }

    # The management account with its linked accounts, in one region: the install, the
    # Organization sync and the scan all run against the emulated organization.
    body = install_body(
        org,
        org.management_account_id,
        displayName=f"Isolation A prod {stamp}",
        installAllLinkedAccounts=True,
    )
    body["credential"]["Regions"] = org.regions[0]
    installed = api.client.post(
        f"/api/v2/tenants/{client_a}/integrations/install/AWS", json=body, headers=api.headers()
    )
    assert installed.status_code == 200, installed.text
    parent = installed.json()
    children = [child["id"] for child in parent.get("linkedAccounts") or []]
    set_rules(api, client_a, EMULATED_RULES)
    scan_ids = start_scans(api, {"client": client_a, "parent": parent["id"]})
    scans = wait_scans(api, client_a, scan_ids)
    assert [s["status"] for s in scans] == ["ok"], scans

    found = api.client.get(
        f"/api/v2/tenants/{client_a}/resources/search",
        params={"pageSize": 500},
        headers=api.headers(),
    )
    assert found.status_code == 200, found.text
    resources = found.json()["results"]
    assert resources, "the scan found resources"
    profiles = api.client.get(
        f"/api/v2/tenants/{client_a}/policies/discovery", headers=api.headers()
    ).json()
    profile = next(p["id"] for p in profiles if p["installedIntegrationId"] == parent["id"])

    accounts = sorted({org.management_account_id, *org.onboarded_member_ids})
    identifying = {
        client_a,
        f"Isolation Acme {stamp}",
        parent["id"],
        parent["displayName"],
        scan_ids[0],
        org.external_id,
        *children,
        *accounts,
        *(r["identity"] for r in resources if r.get("identity")),
    }
    secret_values = {
        org.trusted_secret_access_key,
        victim_secret,
        victim_token,
        *(s for _k, s in keys.values()),
    }
    secret_values |= {h["Authorization"].split()[1] for h in headers.values() if h}
    world = World(
        api=api,
        org=org,
        partner=api.partner_id,
        other_partner=other_partner,
        client_a=client_a,
        client_b=client_b,
        integration=parent["id"],
        children=children,
        accounts=accounts,
        scan=scan_ids[0],
        resource=int(resources[0]["id"]),
        profile=int(profile),
        headers=headers,
        labels=labels,
        identifying={value for value in identifying if value},
        secret_values=secret_values,
        victim_token=victim_token,
    )
    world.sessions = _sessions(world)
    world.secret_values |= {h["Cookie"].split("=", 1)[1] for h in world.sessions.values() if h}
    return world


def _sessions(world: World) -> dict[Who, dict[str, str]]:
    """A console session of a user per caller (the partner's is the bootstrap admin)."""
    db = world.api.db
    users: dict[Who, tuple[str, Role]] = {
        Who.OWN_ADMIN: (world.client_a, Role.CLIENT_ADMIN),
        Who.OWN_VIEWER: (world.client_a, Role.VIEWER),
        Who.OTHER_CLIENT: (world.client_b, Role.CLIENT_ADMIN),
        Who.PARTNER_VIEWER: (world.partner, Role.VIEWER),
        Who.OTHER_PARTNER: (world.other_partner, Role.PARTNER_ADMIN),
        Who.EXPIRED: (world.client_a, Role.CLIENT_ADMIN),
    }
    passwords: dict[Who, tuple[str, str]] = {}
    for who, (tenant, role) in users.items():
        username = f"isolation-{who.value}-{secrets.token_hex(3)}"
        password = secrets.token_urlsafe(18)
        with db.transaction() as session:
            ref = TenantDirectory(session).ref(tenant)
            assert ref is not None
            UserRepository(session, system_scope(ref)).add(
                User(username=username, password_hash=hash_secret(password), role=role.value)
            )
        passwords[who] = (username, password)
    assert world.api.boot.admin_password is not None
    passwords[Who.PARTNER_ADMIN] = (world.api.boot.admin_user, world.api.boot.admin_password)
    cookies = {
        who: {"Cookie": f"{SESSION_COOKIE}={login(db, *credentials)}"}
        for who, credentials in passwords.items()
    }
    _expire(db, cookies[Who.EXPIRED]["Cookie"].split("=", 1)[1])
    cookies[Who.NO_TOKEN] = {}
    return cookies


def fingerprint(db: Database, world: World) -> tuple[Any, ...]:
    """What a denied write must leave as it was: row counts, revoked tokens, client A's
    integrations and profiles, and the audit events of the callers that are denied."""
    with db.transaction() as session:
        counts = tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Tenant, Integration, DiscoveryProfile, Scan, ApiClient)
        )
        integrations = session.execute(
            select(Integration.id, Integration.status, Integration.display_name)
            .where(Integration.tenant_id == world.client_a)
            .order_by(Integration.id)
        ).all()
        profiles = session.execute(
            select(DiscoveryProfile.id, DiscoveryProfile.name)
            .where(DiscoveryProfile.tenant_id == world.client_a)
            .order_by(DiscoveryProfile.id)
        ).all()
        revoked = session.scalar(select(func.count()).where(AccessToken.revoked_at.is_not(None)))
        audited = session.scalar(
            select(func.count()).where(AuditEvent.actor.in_(list(world.labels.values())))
        )
    return counts, revoked, tuple(integrations), tuple(profiles), audited


def leaks(text: str, identifying: set[str], sent: str) -> list[str]:
    """The identifying strings in ``text`` that the caller did not send itself."""
    return sorted(value for value in identifying if value in text and value not in sent)


def ghost_tenant(real: str) -> str:
    """An id of the same shape that no tenant has."""
    prefix = real.split("_", 1)[0] + "_"
    return prefix + secrets.token_hex(max(4, (len(real) - len(prefix)) // 2))


def normalised(body: str, *ids: str) -> str:
    for value in ids:
        body = body.replace(value, "<id>")
    return body
