"""What the API fuzzer needs besides schemathesis: Tether's OpenAPI document, an app whose
AWS calls fail at once, and real objects (client, integration, profile, scan, resource) whose
ids the fuzzer can use to get past 404s."""

from __future__ import annotations

import socket
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.support.app import Api, make_api
from tether.api.app import create_app
from tether.config import Settings
from tether.discovery.inventory import apply_scope
from tether.domain.credentials import credential_from_form
from tether.domain.resources import ResourceRecord
from tether.security.scoping import TenantScope, system_scope
from tether.services.integrations import default_profile
from tether.store.db import Database
from tether.store.migrate import upgrade
from tether.store.models import DiscoveryProfile, Integration, Resource, Scan
from tether.store.repositories.credentials import CredentialRepository
from tether.store.repositories.integrations import IntegrationRepository
from tether.store.repositories.tenants import TenantDirectory

ACCOUNT = "123456789012"
REGION = "us-east-1"


def tether_openapi() -> dict[str, Any]:
    """The OpenAPI document the app serves (built once, at collection, in a throwaway
    data directory; the lifespan stops the app's scan runner again)."""
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(data_dir=Path(data_dir)))
        with TestClient(app):
            schema = app.openapi()
        app.state.db.dispose()
    return schema


def closed_port() -> int:
    """A local port nothing listens on: AWS calls sent there are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fuzz_api(data_dir: Path) -> Iterator[Api]:
    """The app on a fresh SQLite database, with AWS at a closed port: nothing can reach AWS,
    and every AWS call fails in milliseconds without retries."""
    db = Database(f"sqlite:///{data_dir / 'tether.db'}")
    upgrade(db.engine)
    try:
        yield from make_api(
            db,
            data_dir,
            aws_endpoint_url=f"http://127.0.0.1:{closed_port()}",
            aws_max_attempts=1,
            iam_propagation_seconds=0,
            scan_concurrency=2,
        )
    finally:
        db.dispose()


class ServedApp:
    """The ASGI app schemathesis calls in-process: the one a fixture serves, minus its
    lifespan (the fixture's TestClient runs that; schemathesis would hold a second one
    open until the process ends)."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": f"{message['type']}.complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        assert self.app is not None, "no app is being served"
        await self.app(scope, receive, send)


@dataclass(frozen=True)
class RealIds:
    """Ids of objects that exist, by the path parameter that names them."""

    partner: str
    client: str
    integration: str
    profile: int
    scan: str
    resource: int

    def for_path(self, path: str) -> dict[str, Any]:
        """Real values for the path parameters of ``path`` that name an object: the
        partner for its clients, the client for what lives in it (integrations, profiles,
        scans, resources)."""
        known: dict[str, Any] = {
            "tenantId": self.partner if "/clients" in path else self.client,
            "clientId": self.client,
            "integrationId": self.integration,
            "id": self.profile,
            "scanId": self.scan,
            "resourceId": self.resource,
        }
        return {name: value for name, value in known.items() if f"{{{name}}}" in path}


def _scope(db: Database, tenant_id: str) -> TenantScope:
    with db.transaction() as session:
        ref = TenantDirectory(session).ref(tenant_id)
    assert ref is not None
    return system_scope(ref)


def seed(api: Api, name: str) -> RealIds:
    """A client of the partner with an integration stored as an install stores it (the
    validation against AWS skipped), its default profile, one ``ok`` scan and the
    instance that scan found."""
    client_id = str(api.create_client(name)["uniqueId"])
    scope = _scope(api.db, client_id)
    box = api.client.app.state.runtime.box  # type: ignore[attr-defined]
    credential = credential_from_form(
        {
            "AWSType": "IAM with AssumeRole",
            "AccountNumber": "210987654321",
            "AccessKey": "AKIAIOSFODNN7EXAMPLE",
            "SecurityKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AssumeRoleARN": f"arn:aws:iam::{ACCOUNT}:role/TetherReadOnly",
            "ExternalId": "tether-fuzz-external-id",
        }
    )
    integration_id = f"INTG-{uuid.uuid4()}"
    scan_id = str(uuid.uuid4())
    with api.db.transaction() as session:
        integration = IntegrationRepository(session, scope).add(
            Integration(
                id=integration_id,
                display_name="AWS prod",
                credential_id=CredentialRepository(session, scope).add(box, credential),
                status="enabled",
                account_id=ACCOUNT,
                regions_requested=REGION,
                regions=[REGION],
                authorization="full",
                installed_by="fuzz",
            )
        )
        profile = default_profile(integration, scope)
        session.add(profile)
        session.add(
            Scan(
                id=scan_id,
                tenant_id=client_id,
                integration_id=integration_id,
                trigger="manual",
                requested_by="fuzz",
                status="ok",
            )
        )
        session.flush()
        profile_id = profile.id
    arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0123456789abcdef0"
    found = ResourceRecord(
        arn=arn,
        resource_type="DEVICE",
        name="web-1",
        account_id=ACCOUNT,
        region=REGION,
        zone=f"{REGION}a",
        state="running",
        tags={"Name": "web-1"},
        created_time=datetime(2024, 5, 1, tzinfo=UTC),
    )
    with api.db.transaction() as session:
        apply_scope(session, scope, integration_id, REGION, "DEVICE", [found], scan_id)
        resource_id = session.scalars(
            select(Resource.id).where(Resource.integration_id == integration_id)
        ).one()
        assert session.get(DiscoveryProfile, profile_id) is not None
    return RealIds(
        partner=api.partner_id,
        client=client_id,
        integration=integration_id,
        profile=profile_id,
        scan=scan_id,
        resource=resource_id,
    )
