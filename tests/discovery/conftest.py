"""An organization seeded with every catalog type moto emulates, and identities into it."""

from __future__ import annotations

import pytest

from tether.aws.sessions import AwsIdentity, AwsSessions, AwsSettings
from tether.domain.credentials import AccessKey, RoleTarget
from tether.emulator import EmulatedOrganization, FaultProxy, MotoServer
from tether.emulator.organization import OrganizationSpec, build_organization, default_members


@pytest.fixture(scope="session")
def catalog_org(moto_server: MotoServer, fault_proxy: FaultProxy) -> EmulatedOrganization:
    """Management + 2 onboarded members (+1 without the role), 3 regions each, full catalog."""
    org = build_organization(
        moto_server.endpoint_url,
        OrganizationSpec(
            members=default_members(3, without_role=1),
            seed_catalog=True,
            name_prefix="catalog",
        ),
    )
    fault_proxy.register_secret(org.trusted_access_key_id, org.trusted_secret_access_key)
    return org


def member_identity(
    proxy: FaultProxy, org: EmulatedOrganization, account_id: str, max_attempts: int = 1
) -> AwsIdentity:
    """Tether's identity in ``account_id``: the trusted keys, then the onboarding role."""
    sessions = AwsSessions(AwsSettings(endpoint_url=proxy.endpoint_url, max_attempts=max_attempts))
    base = sessions.base(
        AccessKey(org.trusted_access_key_id, org.trusted_secret_access_key), "catalog-test"
    )
    return base.assume(RoleTarget(org.role_arns[account_id], org.external_id), "catalog-test")
