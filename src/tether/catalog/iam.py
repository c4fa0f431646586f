"""AWS IAM roles and users (global: listed once per account)."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, iso, tag_map
from tether.catalog.services import IAM
from tether.domain.resources import ResourceRecord

# Listing an IAM entity does not return its tags: they cost one call per role or user.
_NO_SUCH_ENTITY = frozenset({"NoSuchEntity"})


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value or []]


def _trusted_principals(document: Any) -> list[str]:
    """Who may assume the role, from its trust policy (botocore decodes it to a dict)."""
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    found: set[str] = set()
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if isinstance(principal, dict):
            for value in principal.values():
                found.update(_strings(value))
        elif principal is not None:
            found.update(_strings(principal))
    return sorted(found)


def _role(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    boundary = item.get("PermissionsBoundary") or {}
    return ResourceRecord(
        arn=item["Arn"],
        resource_type="AWS_IAM_ROLE",
        name=tags.get("Name") or item["RoleName"],
        account_id=where.account_id,
        region="global",
        tags=tags,
        attributes={
            "roleName": item["RoleName"],
            "roleId": item.get("RoleId"),
            "path": item.get("Path"),
            "description": item.get("Description") or None,
            "maxSessionDuration": item.get("MaxSessionDuration"),
            "trustedPrincipals": _trusted_principals(item.get("AssumeRolePolicyDocument")),
            "permissionsBoundaryArn": boundary.get("PermissionsBoundaryArn"),
            "createDate": iso(item.get("CreateDate")),
        },
        created_time=as_datetime(item.get("CreateDate")),
    )


def _user(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    boundary = item.get("PermissionsBoundary") or {}
    return ResourceRecord(
        arn=item["Arn"],
        resource_type="AWS_IAM_USER",
        name=tags.get("Name") or item["UserName"],
        account_id=where.account_id,
        region="global",
        tags=tags,
        # Not PasswordLastUsed: it changes at every sign-in, which is not a change of the user.
        attributes={
            "userName": item["UserName"],
            "userId": item.get("UserId"),
            "path": item.get("Path"),
            "permissionsBoundaryArn": boundary.get("PermissionsBoundaryArn"),
            "createDate": iso(item.get("CreateDate")),
        },
        created_time=as_datetime(item.get("CreateDate")),
    )


ROLES = ResourceSpec(
    type_code="AWS_IAM_ROLE",
    title="IAM role",
    service=IAM,
    list_call=Call("ListRoles", {"MaxItems": 1000}, result_path="Roles"),
    normalise=_role,
    cfn_type="AWS::IAM::Role",
    enrich=(
        per_item(
            Call("ListRoleTags", {"MaxItems": 1000}, result_path="Tags"),
            lambda item: {"RoleName": item["RoleName"]},
            into="Tags",
            gone=_NO_SUCH_ENTITY,
        ),
    ),
    tag_source="ListRoleTags",
)

USERS = ResourceSpec(
    type_code="AWS_IAM_USER",
    title="IAM user",
    service=IAM,
    list_call=Call("ListUsers", {"MaxItems": 1000}, result_path="Users"),
    normalise=_user,
    cfn_type="AWS::IAM::User",
    enrich=(
        per_item(
            Call("ListUserTags", {"MaxItems": 1000}, result_path="Tags"),
            lambda item: {"UserName": item["UserName"]},
            into="Tags",
            gone=_NO_SUCH_ENTITY,
        ),
    ),
    tag_source="ListUserTags",
)

TYPES: tuple[ResourceSpec, ...] = (ROLES, USERS)
