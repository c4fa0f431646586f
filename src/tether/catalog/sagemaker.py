"""Amazon SageMaker endpoints (real-time inference)."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, iso, tag_map
from tether.catalog.services import SAGEMAKER
from tether.domain.resources import ResourceRecord


def _endpoint(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    status = item.get("EndpointStatus")
    return ResourceRecord(
        arn=item["EndpointArn"],
        resource_type="AWS_SAGEMAKER_ENDPOINT",
        name=tags.get("Name") or item["EndpointName"],
        account_id=where.account_id,
        region=where.region,
        state=status,
        tags=tags,
        attributes={
            "endpointName": item["EndpointName"],
            "endpointStatus": status,
            "lastModifiedTime": iso(item.get("LastModifiedTime")),
        },
        created_time=as_datetime(item.get("CreationTime")),
    )


ENDPOINTS = ResourceSpec(
    type_code="AWS_SAGEMAKER_ENDPOINT",
    title="SageMaker endpoint",
    service=SAGEMAKER,
    list_call=Call("ListEndpoints", {"MaxResults": 100}, result_path="Endpoints"),
    normalise=_endpoint,
    cfn_type="AWS::SageMaker::Endpoint",
    enrich=(
        # 100 is the page maximum; a resource has at most 50 tags.
        per_item(
            Call("ListTags", {"MaxResults": 100}, result_path="Tags"),
            lambda item: {"ResourceArn": item["EndpointArn"]},
            into="Tags",
        ),
    ),
    tag_source="ListTags",
)

TYPES: tuple[ResourceSpec, ...] = (ENDPOINTS,)
