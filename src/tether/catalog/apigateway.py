"""Amazon API Gateway REST APIs (the v1 API; HTTP and WebSocket APIs are in ``apigatewayv2``)."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where
from tether.catalog.common import as_datetime, iso
from tether.catalog.services import APIGATEWAY
from tether.domain.resources import ResourceRecord


def _rest_api(item: dict[str, Any], where: Where) -> ResourceRecord:
    api_id = item["id"]
    tags = {str(k): str(v) for k, v in (item.get("tags") or {}).items()}
    endpoint = item.get("endpointConfiguration") or {}
    return ResourceRecord(
        # API Gateway ARNs name no account: the API id is unique in its region.
        arn=f"arn:{where.partition}:apigateway:{where.region}::/restapis/{api_id}",
        resource_type="API_GATEWAY",
        name=tags.get("Name") or item.get("name") or api_id,
        account_id=where.account_id,
        region=where.region,
        state=item.get("apiStatus"),
        tags=tags,
        attributes={
            "apiId": api_id,
            "description": item.get("description"),
            "version": item.get("version"),
            "endpointTypes": sorted(endpoint.get("types") or []),
            "vpcEndpointIds": sorted(endpoint.get("vpcEndpointIds") or []),
            "apiKeySource": item.get("apiKeySource"),
            "disableExecuteApiEndpoint": item.get("disableExecuteApiEndpoint"),
            "createdDate": iso(item.get("createdDate")),
        },
        created_time=as_datetime(item.get("createdDate")),
    )


REST_APIS = ResourceSpec(
    type_code="API_GATEWAY",
    title="API Gateway REST API",
    service=APIGATEWAY,
    list_call=Call("GetRestApis", {"limit": 500}, result_path="items", iam_action="apigateway:GET"),
    normalise=_rest_api,
    cfn_type="AWS::ApiGateway::RestApi",
)

TYPES: tuple[ResourceSpec, ...] = (REST_APIS,)
