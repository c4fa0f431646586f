"""Identities into the catalog-seeded organization (``catalog_org``, tests.emulator.plugin)."""

from __future__ import annotations

from tether.aws.sessions import AwsIdentity, AwsSessions, AwsSettings
from tether.domain.credentials import AccessKey, RoleTarget
from tether.emulator import EmulatedOrganization, FaultProxy


def member_identity(
    proxy: FaultProxy, org: EmulatedOrganization, account_id: str, max_attempts: int = 1
) -> AwsIdentity:
    """Tether's identity in ``account_id``: the trusted keys, then the onboarding role."""
    sessions = AwsSessions(AwsSettings(endpoint_url=proxy.endpoint_url, max_attempts=max_attempts))
    base = sessions.base(
        AccessKey(org.trusted_access_key_id, org.trusted_secret_access_key), "catalog-test"
    )
    return base.assume(RoleTarget(org.role_arns[account_id], org.external_id), "catalog-test")
