"""How Tether acts in an integration's account: its own credential, or a linked child's
member role reached from its parent."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from tether.aws.errors import FailureKind, classify
from tether.aws.sessions import AwsIdentity
from tether.domain.credentials import AwsCredential, RoleTarget
from tether.errors import Conflict
from tether.security.scoping import TenantScope
from tether.services.runtime import Runtime
from tether.store.models import Integration
from tether.store.repositories.credentials import CredentialRepository
from tether.store.repositories.integrations import IntegrationRepository


def parent_credential(
    rt: Runtime, scope: TenantScope, integration: Integration
) -> tuple[Integration, AwsCredential]:
    """The integration that holds the credential (itself, or a child's parent)."""
    with rt.db.transaction() as session:
        holder = integration
        if integration.parent_id is not None:
            holder = IntegrationRepository(session, scope).get(integration.parent_id)
        if holder.credential_id is None:
            raise Conflict(f"integration {holder.id} has no credential", code="no_credential")
        return holder, CredentialRepository(session, scope).load(rt.box, holder.credential_id)


def member_identity(
    parent: AwsIdentity, base: AwsIdentity, role: RoleTarget, label: str
) -> AwsIdentity:
    """A linked member's role: chained from the management account's session (landing
    zones' OrganizationAccountAccessRole trusts the management account), else assumed
    from the trusted account's keys (roles deployed by Tether's StackSet trust those)."""
    try:
        return parent.assume(RoleTarget(role.role_arn), label)
    except (ClientError, BotoCoreError) as chained_error:
        if classify(chained_error).kind is not FailureKind.ACCESS_DENIED:
            raise
    return base.assume(role, label)


def identity_for(rt: Runtime, scope: TenantScope, integration: Integration) -> AwsIdentity:
    holder, credential = parent_credential(rt, scope, integration)
    if integration.parent_id is None:
        return rt.sessions.identity(credential, integration.id)
    assert integration.account_id is not None
    assert holder.member_role_name is not None
    assert credential.role is not None
    role = credential.role.in_account(integration.account_id, holder.member_role_name)

    def assume() -> AwsIdentity:
        parent = rt.sessions.identity(credential, holder.id)
        base = rt.sessions.base(credential.access_key, integration.id)
        return member_identity(parent, base, role, integration.id)

    return rt.sessions.member((credential, role.role_arn, integration.id), assume)
