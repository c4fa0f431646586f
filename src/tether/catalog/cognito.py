"""Amazon Cognito user pools."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime
from tether.catalog.services import COGNITO
from tether.domain.resources import ResourceRecord


def _lambda_arns(config: dict[str, Any]) -> list[str]:
    """Trigger functions: plain ARNs, or ``{"LambdaArn": ...}`` for the custom senders."""
    found: set[str] = set()
    for value in config.values():
        arn = value.get("LambdaArn") if isinstance(value, dict) else value
        if isinstance(arn, str) and ":lambda:" in arn:
            found.add(arn)
    return sorted(found)


def _user_pool(item: dict[str, Any], where: Where) -> ResourceRecord:
    # DescribeUserPool's answer, when it came, has everything the list item has and more.
    pool = {**item, **(item.get("UserPool") or {})}
    pool_id = pool["Id"]
    prefix = f"arn:{where.partition}:cognito-idp:{where.region}:{where.account_id}"
    tags = {str(k): str(v) for k, v in (pool.get("UserPoolTags") or {}).items()}
    config = pool.get("LambdaConfig") or {}
    relationships = [{"type": "LAMBDA", "arn": arn} for arn in _lambda_arns(config)]
    if config.get("KMSKeyID"):
        relationships.append({"type": "AWS_KMS_KEY", "arn": config["KMSKeyID"]})
    return ResourceRecord(
        arn=pool.get("Arn") or f"{prefix}:userpool/{pool_id}",
        resource_type="AWS_COGNITO_USER_POOL",
        name=tags.get("Name") or pool.get("Name") or pool_id,
        account_id=where.account_id,
        region=where.region,
        tags=tags,
        # Not EstimatedNumberOfUsers: it moves at every sign-up, not a change of the pool.
        attributes={
            "userPoolId": pool_id,
            "userPoolName": pool.get("Name"),
            "userPoolTier": pool.get("UserPoolTier"),
            "mfaConfiguration": pool.get("MfaConfiguration"),
            "deletionProtection": pool.get("DeletionProtection"),
            "domain": pool.get("Domain"),
            "customDomain": pool.get("CustomDomain"),
            "usernameAttributes": sorted(pool.get("UsernameAttributes") or []),
        },
        relationships=relationships,
        created_time=as_datetime(pool.get("CreationDate")),
    )


USER_POOLS = ResourceSpec(
    type_code="AWS_COGNITO_USER_POOL",
    title="Cognito user pool",
    service=COGNITO,
    list_call=Call("ListUserPools", {"MaxResults": 60}, result_path="UserPools"),
    normalise=_user_pool,
    cfn_type="AWS::Cognito::UserPool",
    enrich=(
        # The list answers neither tags nor ARN.
        per_item(
            Call("DescribeUserPool", result_path="UserPool"),
            lambda item: {"UserPoolId": item["Id"]},
            into="UserPool",
            gone=frozenset({"ResourceNotFoundException"}),
        ),
    ),
    tag_source="DescribeUserPool",
)

TYPES: tuple[ResourceSpec, ...] = (USER_POOLS,)
