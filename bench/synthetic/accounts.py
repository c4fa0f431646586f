"""Who is calling, and the calls about accounts: STS, Organizations, account:ListRegions.

The trusted account (the monitoring vendor, outside the organization) holds the one IAM
user's AKIA key. Every organization account has the role ``ROLE_NAME`` trusting the trusted
account, with an ``sts:ExternalId`` condition; AssumeRole hands out ASIA keys that act as
the role's account. Signatures are not verified.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.synthetic.organization import ROLE_NAME, TRUSTED_USER, Organization
from tether.emulator.aws_errors import AwsError, assume_role_denied
from tether.emulator.regions import OPT_IN_REGIONS, all_regions

_ROLE_ARN = re.compile(r"arn:aws:iam::(\d{12}):role/(?:.*/)?([^/]+)")
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ROOT_ID = "r-bnch"
JOINED = "2024-01-02T03:04:05Z"


@dataclass(frozen=True)
class Caller:
    account_id: str
    account: int  # index in the organization; -1 for the trusted account
    arn: str


class Accounts:
    def __init__(self, org: Organization) -> None:
        self.org = org
        self.sessions: dict[str, str] = {}  # ASIA key id -> assumed-role ARN
        self._serial = itertools.count(1)
        self.trusted_arn = f"arn:aws:iam::{org.trusted_account_id}:user/{TRUSTED_USER}"

    def caller(self, key_id: str) -> Caller | None:
        """The principal an access key id belongs to, or None when AWS would not know it."""
        if key_id == self.org.access_key_id:
            return Caller(self.org.trusted_account_id, -1, self.trusted_arn)
        if not key_id.startswith("ASIA"):
            return None
        account_id = key_id[4:16]
        index = self.org.account_index.get(account_id)
        if index is None:
            return None
        arn = (
            self.sessions.get(key_id)
            or f"arn:aws:sts::{account_id}:assumed-role/{ROLE_NAME}/session"
        )
        return Caller(account_id, index, arn)

    def assume_role(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any] | AwsError:
        role_arn = str(params.get("RoleArn", ""))
        match = _ROLE_ARN.fullmatch(role_arn)
        if (
            match is None
            or match[1] not in self.org.account_index
            or match[2] != ROLE_NAME
            or params.get("ExternalId") != self.org.external_id
        ):
            return assume_role_denied(caller.arn, role_arn)
        account_id, session = match[1], str(params.get("RoleSessionName", "session"))
        serial = next(self._serial) % 36**4
        suffix = "".join(_BASE36[serial // 36**i % 36] for i in range(3, -1, -1))
        key_id = f"ASIA{account_id}{suffix}"
        arn = f"arn:aws:sts::{account_id}:assumed-role/{ROLE_NAME}/{session}"
        self.sessions[key_id] = arn
        seconds = int(params.get("DurationSeconds") or 3600)
        expiration = datetime.now(UTC) + timedelta(seconds=seconds)
        return {
            "Credentials": {
                "AccessKeyId": key_id,
                "SecretAccessKey": f"synthetic/{key_id}",
                "SessionToken": f"synthetic-session-{key_id}",
                "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            "AssumedRoleUser": {"AssumedRoleId": f"AROA{account_id}BNCH:{session}", "Arn": arn},
        }

    def caller_identity(self, caller: Caller) -> dict[str, Any]:
        return {
            "UserId": caller.arn.rsplit("/", 1)[-1],
            "Account": caller.account_id,
            "Arn": caller.arn,
        }

    # Organizations, as its management account sees it.
    def _account(self, index: int) -> dict[str, Any]:
        account_id = self.org.accounts[index]
        org, management = self.org.organization_id, self.org.management_account_id
        return {
            "Id": account_id,
            "Arn": f"arn:aws:organizations::{management}:account/{org}/{account_id}",
            "Email": f"aws+{account_id}@example.com",
            "Name": "management" if index == 0 else f"member-{index}",
            "Status": "ACTIVE",
            "State": "ACTIVE",
            "JoinedMethod": "CREATED" if index else "INVITED",
            "JoinedTimestamp": JOINED,
        }

    def parent_id(self, index: int) -> str:
        unit = self.org.organizational_unit(index)
        return ROOT_ID if unit is None else self.ou_ids()[unit]

    def ou_ids(self) -> dict[str, str]:
        return {name: f"ou-bnch-{i:08d}" for i, name in enumerate(("Production", "Development"))}

    def organizations(
        self, caller: Caller, operation: str, params: dict[str, Any]
    ) -> dict[str, Any] | list[dict[str, Any]] | AwsError:
        """An answer (a list for the paginated List* calls) or the error AWS gives."""
        if caller.account < 0:
            return AwsError(
                400,
                "AWSOrganizationsNotInUseException",
                "Your account is not a member of an organization.",
            )
        management = self.org.management_account_id
        if operation == "DescribeOrganization":
            org_id = self.org.organization_id
            return {
                "Organization": {
                    "Id": org_id,
                    "Arn": f"arn:aws:organizations::{management}:organization/{org_id}",
                    "FeatureSet": "ALL",
                    "MasterAccountArn": self._account(0)["Arn"],
                    "MasterAccountId": management,
                    "MasterAccountEmail": f"aws+{management}@example.com",
                    "AvailablePolicyTypes": [],
                }
            }
        if caller.account != 0:
            return AwsError(
                400, "AccessDeniedException", "You don't have permissions to access this resource."
            )
        everyone = range(len(self.org.accounts))
        if operation == "ListAccounts":
            return [self._account(i) for i in everyone]
        if operation == "ListParents":
            index = self.org.account_index.get(str(params.get("ChildId")))
            if index is None:
                return AwsError(
                    400, "ChildNotFoundException", "We can't find a child with the ChildId."
                )
            parent = self.parent_id(index)
            return [{"Id": parent, "Type": "ROOT" if parent == ROOT_ID else "ORGANIZATIONAL_UNIT"}]
        if operation == "ListRoots":
            arn = f"arn:aws:organizations::{management}:root/{self.org.organization_id}/{ROOT_ID}"
            return [{"Id": ROOT_ID, "Arn": arn, "Name": "Root", "PolicyTypes": []}]
        parent = str(params.get("ParentId"))
        if operation == "ListOrganizationalUnitsForParent":
            units = self.ou_ids().items() if parent == ROOT_ID else ()
            org_id = self.org.organization_id
            return [
                {
                    "Id": ou,
                    "Name": name,
                    "Arn": f"arn:aws:organizations::{management}:ou/{org_id}/{ou}",
                }
                for name, ou in units
            ]
        if operation == "ListAccountsForParent":
            return [self._account(i) for i in everyone if self.parent_id(i) == parent]
        if operation == "ListChildren":
            if params.get("ChildType") == "ORGANIZATIONAL_UNIT":
                ous = self.ou_ids().values() if parent == ROOT_ID else ()
                return [{"Id": ou, "Type": "ORGANIZATIONAL_UNIT"} for ou in ous]
            ids = [self.org.accounts[i] for i in everyone if self.parent_id(i) == parent]
            return [{"Id": account_id, "Type": "ACCOUNT"} for account_id in ids]
        return {}

    def disabled_regions(self) -> frozenset[str]:
        return frozenset(OPT_IN_REGIONS - set(self.org.regions))

    def list_regions(self) -> dict[str, Any]:
        """account:ListRegions: every region with the account's opt-in status."""
        disabled = self.disabled_regions()

        def status(region: str) -> str:
            if region in disabled:
                return "DISABLED"
            return "ENABLED" if region in OPT_IN_REGIONS else "ENABLED_BY_DEFAULT"

        return {"Regions": [{"RegionName": r, "RegionOptStatus": status(r)} for r in all_regions()]}

    def availability_zones(self, region: str) -> dict[str, Any]:
        return {
            "AvailabilityZones": [
                {
                    "ZoneName": f"{region}{z}",
                    "ZoneId": f"{region[:2]}{region[-1]}-az{i + 1}",
                    "State": "available",
                    "RegionName": region,
                    "ZoneType": "availability-zone",
                    "OptInStatus": "opt-in-not-required",
                }
                for i, z in enumerate("abc")
            ]
        }
