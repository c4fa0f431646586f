"""Build an emulated AWS Organization inside a running moto, with known ground truth.

Layout: a TRUSTED account (the monitoring vendor) holding an IAM user with AKIA keys; a
MANAGEMENT account that owns the organization; MEMBER accounts made with CreateAccount.
The management account and each member get a role that trusts the trusted account,
normally with an `sts:ExternalId` condition, and seeded resources in every region.

The builder acts as each account through moto's `x-moto-account-id` header, which works
directly against moto and through the fault proxy alike (it makes no AssumeRole calls).
"""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, TypeVar

from botocore.awsrequest import AWSRequest
from botocore.client import BaseClient

from tether.emulator.seed_resources import AccountClients, RegionSeeder, SeededResource

DEFAULT_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
DEFAULT_ROLE_NAME = "TetherReadOnly"
DEFAULT_EXTERNAL_ID = "tether-emulated-7f3c9a51e2d84b06"
DEFAULT_TRUSTED_USER = "tether-scanner"
READ_ONLY_ACTIONS = ("ec2:Describe*", "s3:List*", "s3:GetBucket*", "sqs:List*", "dynamodb:List*")

ClientT = TypeVar("ClientT", bound=BaseClient)


@dataclass(frozen=True)
class AccessKeys:
    """AWS credentials: AKIA keys of an IAM user, or ASIA keys with a session token."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None

    @classmethod
    def from_sts(cls, credentials: Mapping[str, Any]) -> AccessKeys:
        """From the `Credentials` of an AssumeRole answer."""
        return cls(
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            credentials["SessionToken"],
            credentials["Expiration"],
        )


@dataclass(frozen=True)
class MemberSpec:
    """A member account to create; without `has_role` it was never onboarded, without
    `require_external_id` its role trusts the trusted account unconditionally."""

    name: str
    organizational_unit: str | None = None
    has_role: bool = True
    require_external_id: bool = True


def default_members(count: int = 3, without_role: int = 1) -> tuple[MemberSpec, ...]:
    """`count` members with the role, alternating between the two default OUs, then
    `without_role` members (in no OU) that were never onboarded."""
    ous = ("Production", "Development")
    with_role = tuple(MemberSpec(f"member-{i + 1}", ous[i % 2]) for i in range(count))
    bare = tuple(
        MemberSpec(f"member-{count + i + 1}-no-role", has_role=False) for i in range(without_role)
    )
    return with_role + bare


@dataclass(frozen=True)
class OrganizationSpec:
    """What to build. Account ids of the trusted and management accounts are random unless
    given; members get ids from moto's CreateAccount."""

    members: tuple[MemberSpec, ...] = field(default_factory=default_members)
    regions: tuple[str, ...] = DEFAULT_REGIONS
    role_name: str = DEFAULT_ROLE_NAME
    external_id: str = DEFAULT_EXTERNAL_ID
    organizational_units: tuple[str, ...] = ("Production", "Development")
    instances_per_region: int = 2
    seed_resources: bool = True
    # Every catalog type moto emulates, not only the base set (slower to build).
    seed_catalog: bool = False
    max_session_duration: int = 3600
    trusted_account_id: str | None = None
    management_account_id: str | None = None
    name_prefix: str = "tether"


@dataclass(frozen=True)
class EmulatedAccount:
    """An account of the organization. `parent_id` is its OU id, or the root id."""

    account_id: str
    name: str
    email: str
    kind: Literal["management", "member"]
    parent_id: str
    role_arn: str | None
    requires_external_id: bool


@dataclass(frozen=True)
class EmulatedOrganization:
    """What was built, with the ground truth tests compare inventories against."""

    endpoint_url: str
    organization_id: str
    root_id: str
    trusted_account_id: str
    trusted_user_arn: str
    trusted_keys: AccessKeys
    management_account_id: str
    accounts: tuple[EmulatedAccount, ...]
    role_name: str
    external_id: str
    regions: tuple[str, ...]
    organizational_unit_ids: Mapping[str, str]
    resources: tuple[SeededResource, ...]

    @property
    def trusted_access_key_id(self) -> str:
        return self.trusted_keys.access_key_id

    @property
    def trusted_secret_access_key(self) -> str:
        return self.trusted_keys.secret_access_key

    @property
    def member_account_ids(self) -> tuple[str, ...]:
        return tuple(a.account_id for a in self.accounts if a.kind == "member")

    @property
    def onboarded_member_ids(self) -> tuple[str, ...]:
        """Members that have the onboarding role."""
        return tuple(a.account_id for a in self.accounts if a.kind == "member" and a.role_arn)

    @property
    def role_arns(self) -> dict[str, str]:
        """Role ARN per account id, for the accounts that have the role."""
        return {a.account_id: a.role_arn for a in self.accounts if a.role_arn}

    def account(self, account_id: str) -> EmulatedAccount:
        return next(a for a in self.accounts if a.account_id == account_id)

    def resources_in(
        self,
        account_id: str | None = None,
        region: str | None = None,
        resource_type: str | None = None,
    ) -> tuple[SeededResource, ...]:
        return tuple(
            r
            for r in self.resources
            if account_id in (None, r.account_id)
            and region in (None, r.region)
            and resource_type in (None, r.resource_type)
        )


def _set_account_header(account_id: str, request: AWSRequest, **_: Any) -> None:
    request.headers["x-moto-account-id"] = account_id


def act_as(client: ClientT, account_id: str) -> ClientT:
    """Make every call of `client` act in `account_id` (moto's `x-moto-account-id`)."""
    client.meta.events.register("before-sign", functools.partial(_set_account_header, account_id))
    return client


def _random_account_id() -> str:
    return f"{secrets.randbelow(9 * 10**11) + 10**11}"


def _policy(statement: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _create_trusted_user(clients: AccountClients, account_id: str) -> tuple[str, AccessKeys]:
    iam = clients.get("iam")
    with clients.acting_as(account_id):
        user = iam.create_user(UserName=DEFAULT_TRUSTED_USER)["User"]
        iam.put_user_policy(
            UserName=DEFAULT_TRUSTED_USER,
            PolicyName="AssumeCustomerRoles",
            PolicyDocument=_policy(
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
            ),
        )
        key = iam.create_access_key(UserName=DEFAULT_TRUSTED_USER)["AccessKey"]
    return user["Arn"], AccessKeys(key["AccessKeyId"], key["SecretAccessKey"])


def _create_role(
    clients: AccountClients, spec: OrganizationSpec, account: EmulatedAccount, trusted_id: str
) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{trusted_id}:root"},
        "Action": "sts:AssumeRole",
    }
    if account.requires_external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": spec.external_id}}
    iam = clients.get("iam")
    with clients.acting_as(account.account_id):
        role = iam.create_role(
            RoleName=spec.role_name,
            AssumeRolePolicyDocument=_policy(statement),
            MaxSessionDuration=spec.max_session_duration,
        )["Role"]
        iam.put_role_policy(
            RoleName=spec.role_name,
            PolicyName="TetherReadOnlyAccess",
            PolicyDocument=_policy(
                {"Effect": "Allow", "Action": list(READ_ONLY_ACTIONS), "Resource": "*"}
            ),
        )
    return str(role["Arn"])


def build_organization(
    endpoint_url: str, spec: OrganizationSpec | None = None
) -> EmulatedOrganization:
    """Create a trusted account, an organization and its members, roles and resources.

    Account ids are random (moto picks member ids; trusted and management ids are drawn
    here unless given), so several organizations can live in one moto side by side.
    """
    spec = spec or OrganizationSpec()
    clients = AccountClients(endpoint_url)
    trusted_id = spec.trusted_account_id or _random_account_id()
    management_id = spec.management_account_id or _random_account_id()
    trusted_user_arn, trusted_keys = _create_trusted_user(clients, trusted_id)

    org = clients.get("organizations")
    prefix = spec.name_prefix
    with clients.acting_as(management_id):
        organization = org.create_organization(FeatureSet="ALL")["Organization"]
        root_id = org.list_roots()["Roots"][0]["Id"]
        ou_ids = {
            name: org.create_organizational_unit(ParentId=root_id, Name=name)["OrganizationalUnit"][
                "Id"
            ]
            for name in spec.organizational_units
        }
        onboarded = [
            (
                EmulatedAccount(
                    management_id,
                    f"{prefix}-management",
                    f"{prefix}-management-{management_id}@example.com",
                    "management",
                    root_id,
                    None,
                    requires_external_id=True,
                ),
                True,
            )
        ]
        for member in spec.members:
            email = f"{prefix}-{member.name}-{management_id}@example.com"
            status = org.create_account(Email=email, AccountName=member.name)
            account_id = status["CreateAccountStatus"]["AccountId"]
            parent = root_id
            if member.organizational_unit is not None:
                parent = ou_ids[member.organizational_unit]
                org.move_account(
                    AccountId=account_id, SourceParentId=root_id, DestinationParentId=parent
                )
            account = EmulatedAccount(
                account_id, member.name, email, "member", parent, None, member.require_external_id
            )
            onboarded.append((account, member.has_role))

    # A member without the role is one that was never onboarded.
    accounts = tuple(
        replace(a, role_arn=_create_role(clients, spec, a, trusted_id)) if has_role else a
        for a, has_role in onboarded
    )
    environments = {ou_id: name.lower() for name, ou_id in ou_ids.items()} | {root_id: "shared"}
    seeders = [
        RegionSeeder(
            clients,
            a.account_id,
            region,
            environments[a.parent_id],
            prefix,
            primary=region == spec.regions[0],
        )
        for a in accounts
        for region in (spec.regions if spec.seed_resources else ())
    ]
    # moto runs in another process: a few threads overlap its work with ours.
    with ThreadPoolExecutor(max_workers=3) as pool:
        found = pool.map(
            lambda seeder: seeder.seed(spec.instances_per_region, spec.seed_catalog), seeders
        )
        resources = tuple(r for batch in found for r in batch)
    return EmulatedOrganization(
        endpoint_url=endpoint_url,
        organization_id=organization["Id"],
        root_id=root_id,
        trusted_account_id=trusted_id,
        trusted_user_arn=trusted_user_arn,
        trusted_keys=trusted_keys,
        management_account_id=management_id,
        accounts=accounts,
        role_name=spec.role_name,
        external_id=spec.external_id,
        regions=spec.regions,
        organizational_unit_ids=dict(ou_ids),
        resources=resources,
    )
