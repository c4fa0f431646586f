"""An AWS Organization's member accounts, as its management account sees them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore import xform_name

from tether.aws.calls import invoke
from tether.aws.sessions import AwsIdentity
from tether.catalog.base import Call
from tether.catalog.services import DESCRIBE_ORGANIZATION, LIST_ACCOUNTS, LIST_PARENTS

ORGANIZATIONS_REGION = "us-east-1"  # Organizations is a global service served from here


@dataclass(frozen=True, slots=True)
class OrgAccount:
    account_id: str
    name: str
    email: str
    # ACTIVE | SUSPENDED | PENDING_CLOSURE | CLOSED (the newer "State" when AWS gives it)
    status: str
    parent_ids: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"


def _pages(client: Any, call: Call, **params: Any) -> Iterator[dict[str, Any]]:
    paginator = client.get_paginator(xform_name(call.operation))
    for page in paginator.paginate(**{**call.params, **params}):
        yield from page.get(call.result_path, [])


def management_account_id(identity: AwsIdentity) -> str:
    client = identity.client("organizations", ORGANIZATIONS_REGION)
    answer = invoke(client, DESCRIBE_ORGANIZATION)
    return str(answer["Organization"]["MasterAccountId"])


def list_accounts(identity: AwsIdentity, with_parents: bool) -> list[OrgAccount]:
    """Every account of the Organization (paginated); parents only when OU filters need them."""
    client = identity.client("organizations", ORGANIZATIONS_REGION)
    accounts = []
    for item in _pages(client, LIST_ACCOUNTS):
        parents: tuple[str, ...] = ()
        if with_parents:
            parents = tuple(p["Id"] for p in _pages(client, LIST_PARENTS, ChildId=item["Id"]))
        accounts.append(
            OrgAccount(
                account_id=item["Id"],
                name=item.get("Name", ""),
                email=item.get("Email", ""),
                status=str(item.get("State") or item.get("Status") or "ACTIVE").upper(),
                parent_ids=parents,
            )
        )
    return accounts
