"""Install All Linked Accounts: one child integration per member of the Organization.

The parent's credential reaches the management account; each ACTIVE member becomes a child
that assumes the member role there. A member whose role cannot be assumed becomes a
``failed`` child with the reason; it never fails the parent. A sync adds accounts that
joined and marks those suspended, closed or gone (their inventory is kept; scans stop).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from tether.aws.errors import classify
from tether.aws.organizations import OrgAccount, list_accounts
from tether.aws.sessions import AwsIdentity
from tether.domain.credentials import AwsCredential
from tether.security.scoping import TenantScope
from tether.services.integration_access import member_identity
from tether.services.runtime import Runtime
from tether.store.models import Integration
from tether.store.repositories.audit import AuditLog
from tether.store.repositories.integrations import IntegrationRepository
from tether.store.types import utcnow

REMOVED = "REMOVED"  # no longer in the Organization


@dataclass
class SyncResult:
    added: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    status_changed: list[str] = field(default_factory=list)


def _selected(account: OrgAccount, parent: Integration) -> bool:
    if parent.ou_include and not set(account.parent_ids) & set(parent.ou_include):
        return False
    return not set(account.parent_ids) & set(parent.ou_exclude)


def _try_member(
    rt: Runtime, identity: AwsIdentity, credential: AwsCredential, parent: Integration, account: str
) -> str | None:
    """None if the member role can be assumed, else why not."""
    assert credential.role is not None
    assert parent.member_role_name is not None
    role = credential.role.in_account(account, parent.member_role_name)
    base = rt.sessions.base(credential.access_key, f"link-{account}")
    try:
        member_identity(identity, base, role, f"link-{account}")
    except (ClientError, BotoCoreError) as error:
        return f"cannot assume {role.role_arn}: {classify(error).reason}"
    return None


def sync_linked_accounts(
    rt: Runtime,
    scope: TenantScope,
    parent: Integration,
    identity: AwsIdentity,
    credential: AwsCredential,
) -> SyncResult:
    """Make the parent's children match its Organization's accounts now."""
    with_parents = bool(parent.ou_include or parent.ou_exclude)
    accounts = {a.account_id: a for a in list_accounts(identity, with_parents=with_parents)}
    result = SyncResult()
    with rt.db.transaction() as session:
        repo = IntegrationRepository(session, scope)
        children = {child.account_id: child for child in repo.children(parent.id)}
    probes: dict[str, str | None] = {}
    for account in accounts.values():
        if account.account_id in children or account.account_id == parent.account_id:
            continue
        if account.active and _selected(account, parent):
            probes[account.account_id] = _try_member(
                rt, identity, credential, parent, account.account_id
            )
    now = utcnow()
    with rt.db.transaction() as session:
        repo = IntegrationRepository(session, scope)
        audit = AuditLog(session, scope)
        for account_id, problem in probes.items():
            account = accounts[account_id]
            child = repo.add(
                Integration(
                    id=f"INTG-{uuid.uuid4()}",
                    display_name=f"{parent.display_name} / {account.name or account_id}",
                    parent_id=parent.id,
                    status="failed" if problem else "enabled",
                    status_reason=problem,
                    account_id=account_id,
                    account_name=account.name,
                    regions_requested=parent.regions_requested,
                    regions=list(parent.regions),
                    authorization=None,
                    org_status=account.status,
                    installed_by=scope.actor,
                    retention_days=parent.retention_days,
                )
            )
            (result.failed if problem else result.added).append(child.id)
            audit.record("integration.link", "integration", child.id, {"account": account_id})
        for child_account, child in children.items():
            known = accounts.get(child_account or "")
            status = known.status if known else REMOVED
            if status != child.org_status:
                fresh = repo.get(child.id)
                fresh.org_status = status
                result.status_changed.append(child.id)
                audit.record("integration.org_status", "integration", child.id, {"status": status})
        repo.get(parent.id).org_synced_at = now
    return result
