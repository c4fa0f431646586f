"""Installed AWS integrations: install (validated), search, get, update, enable, disable,
uninstall. Linked children of an Organization come from ``linked_accounts``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tether.aws.regions import RegionSelection
from tether.domain.credentials import AccessKey, credential_from_form
from tether.domain.tenancy import TenantKind
from tether.domain.validation import ValidationReport
from tether.errors import Conflict, InvalidInput, NotFound, TetherError
from tether.security.scoping import TenantScope
from tether.services.integration_access import parent_credential
from tether.services.linked_accounts import SyncResult, sync_linked_accounts
from tether.services.query import parse_query_string
from tether.services.runtime import Runtime
from tether.services.validation import StepListener, validate_credential
from tether.store.models import DiscoveryProfile, Integration
from tether.store.paging import Page, PageRequest
from tether.store.repositories.audit import AuditLog
from tether.store.repositories.credentials import CredentialRepository
from tether.store.repositories.integrations import IntegrationFilter, IntegrationRepository

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
RoleName = Annotated[str, StringConstraints(pattern=r"^[\w+=,.@-]{1,64}$")]
OuId = Annotated[
    str, StringConstraints(pattern=r"^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$")
]
SEARCH_KEYS = ("name", "status", "accountNumber", "parent")

# What can be installed, by category as the seed's Available Integrations page shows it.
AVAILABLE_INTEGRATIONS: list[dict[str, Any]] = [
    {
        "id": "AWS",
        "name": "AWS",
        "category": "Public Cloud",
        "description": "Amazon Web Services accounts and Organizations, through IAM AssumeRole",
        "credentialTypes": ["IAM with AssumeRole", "IAM", "AssumeRole from ambient credentials"],
    }
]


def available(query_string: str | None) -> list[dict[str, Any]]:
    terms = parse_query_string(query_string, ("name", "category"))
    name, category = terms.get("name", "").lower(), terms.get("category", "").lower()
    return [
        entry
        for entry in AVAILABLE_INTEGRATIONS
        if name in str(entry["name"]).lower()
        and (not category or category == str(entry["category"]).lower())
    ]


class InstallCredential(BaseModel):
    """The seed's install form, as OpsRamp's API names its fields."""

    model_config = ConfigDict(extra="forbid")

    credentialType: Literal["AWS"] = "AWS"
    Name: str | None = None
    AWSType: str
    Regions: str
    AccountNumber: str | None = None
    AccessKey: str | None = None
    SecurityKey: str | None = Field(default=None, repr=False)
    AssumeRoleARN: str | None = None
    ExternalId: str | None = None


DEFAULT_RETENTION_DAYS = 7
RetentionDays = Annotated[int, Field(ge=1, le=3650)]


class InstallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    displayName: Name
    credential: InstallCredential
    installAllLinkedAccounts: bool = False
    memberRoleName: RoleName | None = None
    includeOrganizationalUnits: list[OuId] = Field(default_factory=list, max_length=100)
    excludeOrganizationalUnits: list[OuId] = Field(default_factory=list, max_length=100)
    # How long resources deleted in AWS stay in the inventory, marked deleted.
    deletedResourceRetentionDays: RetentionDays = DEFAULT_RETENTION_DAYS


class ValidationFailed(TetherError):
    """The credential did not pass install-time validation; nothing was stored."""

    code = "validation_failed"
    status = 400

    def __init__(self, report: ValidationReport) -> None:
        reasons = "; ".join(f"{step.step}: {step.reason}" for step in report.failures)
        super().__init__(f"validation failed, nothing was stored: {reasons}")
        self.report = report
        self.details = {"validation": report.to_dict()}


@dataclass(frozen=True, slots=True)
class Installed:
    integration: Integration
    report: ValidationReport
    linked: SyncResult | None


def _require_client(scope: TenantScope) -> None:
    if scope.tenant_kind is not TenantKind.CLIENT:
        raise NotFound("integrations are installed in client tenants", code="not_a_client")


def _credential(fields: InstallCredential) -> Any:
    try:
        return credential_from_form(fields.model_dump())
    except InvalidInput as error:
        raise InvalidInput(f"credential.{error.field}", error.message.split(": ", 1)[-1]) from None


def _regions(text: str) -> RegionSelection:
    try:
        return RegionSelection.parse(text)
    except InvalidInput as error:
        raise InvalidInput("credential.Regions", error.message.split(": ", 1)[-1]) from None


def default_profile(integration: Integration, scope: TenantScope) -> DiscoveryProfile:
    """Discover everything, manually or on the profile's schedule, until the user edits it."""
    return DiscoveryProfile(
        tenant_id=scope.tenant_id,
        integration_id=integration.id,
        name="AWS Basic Discovery Profile",
        credential_set=f"AWS {integration.display_name}",
        policy={
            "name": "AWS Basic Discovery Profile",
            "matchType": "ANY",
            "entityType": "ALL",
            "executionOrder": 0,
            "rules": [{"filterType": "ANY_CLOUD_RESOURCE"}],
            "actions": [{"action": "MANAGE DEVICE", "items": []}],
        },
        schedule=None,
    )


def install(
    rt: Runtime, scope: TenantScope, body: InstallRequest, listener: StepListener | None = None
) -> Installed:
    """Validate, then store; ``listener`` hears each validation step as it ends (the console
    shows them live)."""
    _require_client(scope)
    scope.require_write()
    credential = _credential(body.credential)
    selection = _regions(body.credential.Regions)
    if body.installAllLinkedAccounts and credential.role is None:
        raise InvalidInput("installAllLinkedAccounts", "needs an AWSType that assumes a role")
    report = validate_credential(
        rt.sessions,
        credential,
        selection,
        rt.validation_options(f"install-{uuid.uuid4().hex[:8]}"),
        listener,
    )
    if not report.ok:
        raise ValidationFailed(report)
    integration_id = f"INTG-{uuid.uuid4()}"
    with rt.db.transaction() as session:
        credential_id = CredentialRepository(session, scope).add(rt.box, credential)
        integration = IntegrationRepository(session, scope).add(
            Integration(
                id=integration_id,
                display_name=body.displayName,
                credential_id=credential_id,
                status="enabled",
                account_id=report.monitored_account,
                regions_requested=str(selection),
                regions=list(report.selected_regions),
                authorization=report.authorization.value if report.authorization else None,
                validation=report.to_dict(),
                install_all_linked=body.installAllLinkedAccounts,
                member_role_name=(
                    body.memberRoleName or (credential.role.role_name if credential.role else None)
                ),
                ou_include=list(body.includeOrganizationalUnits),
                ou_exclude=list(body.excludeOrganizationalUnits),
                retention_days=body.deletedResourceRetentionDays,
                installed_by=scope.actor,
            )
        )
        session.add(default_profile(integration, scope))
        AuditLog(session, scope).record(
            "integration.install", "integration", integration_id, credential.describe()
        )
    linked = None
    if body.installAllLinkedAccounts:
        identity = rt.sessions.identity(credential, integration_id)
        linked = sync_linked_accounts(rt, scope, integration, identity, credential)
    return Installed(get(rt, scope, integration_id), report, linked)


def get(rt: Runtime, scope: TenantScope, integration_id: str) -> Integration:
    _require_client(scope)
    with rt.db.transaction() as session:
        return IntegrationRepository(session, scope).get(integration_id)


def children(rt: Runtime, scope: TenantScope, integration_id: str) -> list[Integration]:
    with rt.db.transaction() as session:
        return list(IntegrationRepository(session, scope).children(integration_id))


def search(
    rt: Runtime, scope: TenantScope, query_string: str | None, request: PageRequest
) -> Page[Integration]:
    _require_client(scope)
    terms = parse_query_string(query_string, SEARCH_KEYS)
    where = IntegrationFilter(
        name_contains=terms.get("name"),
        status=terms.get("status"),
        account_id=terms.get("accountNumber"),
        parent_id=terms.get("parent"),
    )
    with rt.db.transaction() as session:
        return IntegrationRepository(session, scope).search(where, request)


def set_enabled(rt: Runtime, scope: TenantScope, integration_id: str, enabled: bool) -> Integration:
    """Disabled: no scans, inventory kept. A failed child cannot be enabled until it works."""
    _require_client(scope)
    scope.require_write()
    with rt.db.transaction() as session:
        integration = IntegrationRepository(session, scope).get(integration_id)
        if enabled and integration.status == "failed":
            raise Conflict(
                f"integration {integration_id} failed ({integration.status_reason}); "
                "fix the member role and sync the Organization",
                code="integration_failed",
            )
        integration.status = "enabled" if enabled else "disabled"
        AuditLog(session, scope).record(
            "integration.enable" if enabled else "integration.disable",
            "integration",
            integration_id,
        )
        return integration


class UpdateRequest(BaseModel):
    """Rename, change regions, rotate keys; anything touching AWS is validated again."""

    model_config = ConfigDict(extra="forbid")

    displayName: Name | None = None
    credential: dict[str, Any] | None = None
    deletedResourceRetentionDays: RetentionDays | None = None


def update(
    rt: Runtime, scope: TenantScope, integration_id: str, body: UpdateRequest
) -> Integration:
    _require_client(scope)
    scope.require_write()
    with rt.db.transaction() as session:
        integration = IntegrationRepository(session, scope).get(integration_id)
        if integration.credential_id is None and body.credential:
            raise InvalidInput("credential", "a linked child uses its parent's credential")
        current = (
            CredentialRepository(session, scope).load(rt.box, integration.credential_id)
            if integration.credential_id
            else None
        )
    changes = body.credential or {}
    allowed = {"Regions", "AccessKey", "SecurityKey"}
    for name in changes:
        if name not in allowed:
            raise InvalidInput(f"credential.{name}", "cannot be changed; reinstall instead")
    report = None
    if current is not None and changes:
        selection = _regions(changes.get("Regions") or integration.regions_requested)
        credential = current
        if "AccessKey" in changes or "SecurityKey" in changes:
            try:
                key = AccessKey.parse(changes.get("AccessKey"), changes.get("SecurityKey"))
            except InvalidInput as error:
                raise InvalidInput(f"credential.{error.field}", "is not valid") from None
            credential = current.with_key(key)
        report = validate_credential(
            rt.sessions,
            credential,
            selection,
            rt.validation_options(f"update-{integration_id[5:13]}"),
        )
        if not report.ok:
            raise ValidationFailed(report)
        rt.sessions.forget(current, integration_id)
    with rt.db.transaction() as session:
        integration = IntegrationRepository(session, scope).get(integration_id)
        if body.displayName:
            integration.display_name = body.displayName
        if body.deletedResourceRetentionDays is not None:
            integration.retention_days = body.deletedResourceRetentionDays
        if report is not None:
            integration.regions_requested = changes.get("Regions") or integration.regions_requested
            integration.regions = list(report.selected_regions)
            integration.authorization = report.authorization.value if report.authorization else None
            integration.validation = report.to_dict()
            if credential is not current and credential.access_key and integration.credential_id:
                CredentialRepository(session, scope).replace_key(
                    rt.box, integration.credential_id, credential.access_key
                )
        AuditLog(session, scope).record(
            "integration.update",
            "integration",
            integration_id,
            {
                "displayName": body.displayName,
                "changed": sorted(changes),
                "deletedResourceRetentionDays": body.deletedResourceRetentionDays,
            },
        )
        return integration


ChildrenChoice = Literal["uninstall", "keep"]


def uninstall(
    rt: Runtime, scope: TenantScope, integration_id: str, reason: str, children_choice: str | None
) -> None:
    """Remove the integration, its profiles, scans and inventory. A parent's children are
    uninstalled too or kept as stand-alone integrations: the caller must say which."""
    _require_client(scope)
    scope.require_write()
    with rt.db.transaction() as session:
        repo = IntegrationRepository(session, scope)
        integration = repo.get(integration_id)
        kids = list(repo.children(integration_id))
        if kids and children_choice not in ("uninstall", "keep"):
            raise InvalidInput(
                "children",
                f"this integration has {len(kids)} linked accounts: say 'uninstall' or 'keep'",
            )
        audit = AuditLog(session, scope)
        if kids and children_choice == "keep":
            _detach(rt, session, scope, integration, kids)
        for kid in kids if children_choice == "uninstall" else []:
            repo.delete(kid)
            audit.record("integration.uninstall", "integration", kid.id, {"reason": reason})
        credential_id = integration.credential_id
        repo.delete(integration)
        if credential_id:
            CredentialRepository(session, scope).delete(credential_id)
        audit.record(
            "integration.uninstall",
            "integration",
            integration_id,
            {"reason": reason, "children": children_choice},
        )


def _detach(
    rt: Runtime, session: Any, scope: TenantScope, parent: Integration, kids: list[Integration]
) -> None:
    """Children kept after their parent goes get their own credential: the parent's keys
    assuming the member role directly (roles from Tether's StackSet trust those keys)."""
    credentials = CredentialRepository(session, scope)
    assert parent.credential_id is not None
    assert parent.member_role_name is not None
    inherited = credentials.load(rt.box, parent.credential_id)
    assert inherited.role is not None
    for kid in kids:
        assert kid.account_id is not None
        role = inherited.role.in_account(kid.account_id, parent.member_role_name)
        kid.credential_id = credentials.add(rt.box, inherited.with_role(role))
        kid.parent_id = None


def sync_organization(rt: Runtime, scope: TenantScope, integration_id: str) -> SyncResult:
    """On demand: add accounts that joined, mark those that left or were suspended."""
    integration = get(rt, scope, integration_id)
    scope.require_write()
    if not integration.install_all_linked:
        raise InvalidInput("installAllLinkedAccounts", "this integration does not link accounts")
    holder, credential = parent_credential(rt, scope, integration)
    identity = rt.sessions.identity(credential, holder.id)
    return sync_linked_accounts(rt, scope, holder, identity, credential)
