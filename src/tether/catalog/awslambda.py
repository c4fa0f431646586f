"""AWS Lambda functions."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import links, network_links
from tether.catalog.services import LAMBDA
from tether.domain.resources import ResourceRecord


def _function(item: dict[str, Any], where: Where) -> ResourceRecord:
    # ListTags answers a map, not a list of pairs.
    tags = {str(key): str(value) for key, value in (item.get("Tags") or {}).items()}
    vpc = item.get("VpcConfig") or {}
    # Never the environment: its variables often hold secrets.
    return ResourceRecord(
        arn=item["FunctionArn"],
        resource_type="LAMBDA",
        name=tags.get("Name") or item["FunctionName"],
        account_id=where.account_id,
        region=where.region,
        state=item.get("State"),
        tags=tags,
        attributes={
            "functionName": item["FunctionName"],
            "runtime": item.get("Runtime"),
            "handler": item.get("Handler"),
            "packageType": item.get("PackageType"),
            "memorySize": item.get("MemorySize"),
            "timeout": item.get("Timeout"),
            "architectures": sorted(item.get("Architectures", [])),
            "codeSize": item.get("CodeSize"),
            "lastModified": item.get("LastModified"),
        },
        relationships=[
            *links("AWS_IAM_ROLE", [item.get("Role")]),
            *network_links(
                where, vpc.get("VpcId"), vpc.get("SubnetIds", []), vpc.get("SecurityGroupIds", [])
            ),
        ],
    )


FUNCTIONS = ResourceSpec(
    type_code="LAMBDA",
    title="Lambda function",
    service=LAMBDA,
    # ListFunctions answers at most 50 functions a page whatever MaxItems asks.
    list_call=Call("ListFunctions", {"MaxItems": 50}, result_path="Functions"),
    normalise=_function,
    cfn_type="AWS::Lambda::Function",
    enrich=(
        per_item(
            Call("ListTags", result_path="Tags"),
            lambda item: {"Resource": item["FunctionArn"]},
            into="Tags",
            gone=frozenset({"ResourceNotFoundException"}),
        ),
    ),
    tag_source="ListTags",
)

TYPES: tuple[ResourceSpec, ...] = (FUNCTIONS,)
