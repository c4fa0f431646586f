"""Amazon API Gateway HTTP and WebSocket APIs (the v2 API)."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where
from tether.catalog.common import as_datetime, iso
from tether.catalog.services import APIGATEWAYV2
from tether.domain.resources import ResourceRecord


def _api(item: dict[str, Any], where: Where) -> ResourceRecord:
    api_id = item["ApiId"]
    tags = {str(k): str(v) for k, v in (item.get("Tags") or {}).items()}
    return ResourceRecord(
        # API Gateway ARNs name no account: the API id is unique in its region.
        arn=f"arn:{where.partition}:apigateway:{where.region}::/apis/{api_id}",
        resource_type="AWS_API_GATEWAY_V2",
        name=tags.get("Name") or item.get("Name") or api_id,
        account_id=where.account_id,
        region=where.region,
        tags=tags,
        attributes={
            "apiId": api_id,
            "protocolType": item.get("ProtocolType"),
            "apiEndpoint": item.get("ApiEndpoint"),
            "description": item.get("Description"),
            "version": item.get("Version"),
            "ipAddressType": item.get("IpAddressType"),
            "disableExecuteApiEndpoint": item.get("DisableExecuteApiEndpoint"),
            # Made by API Gateway for another service (e.g. an EventBridge API destination).
            "apiGatewayManaged": item.get("ApiGatewayManaged"),
            "createdDate": iso(item.get("CreatedDate")),
        },
        created_time=as_datetime(item.get("CreatedDate")),
    )


APIS = ResourceSpec(
    type_code="AWS_API_GATEWAY_V2",
    title="API Gateway HTTP or WebSocket API",
    service=APIGATEWAYV2,
    # MaxResults is a string in this API; AWS documents no maximum, 500 matches v1's.
    list_call=Call(
        "GetApis", {"MaxResults": "500"}, result_path="Items", iam_action="apigateway:GET"
    ),
    normalise=_api,
    cfn_type="AWS::ApiGatewayV2::Api",
)

TYPES: tuple[ResourceSpec, ...] = (APIS,)
