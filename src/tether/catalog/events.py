"""Amazon EventBridge event buses, the account's ``default`` bus included."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, iso, tag_map
from tether.catalog.services import EVENTBRIDGE
from tether.domain.resources import ResourceRecord


def _event_bus(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    return ResourceRecord(
        arn=item["Arn"],
        resource_type="AWS_EVENT_BRIDGE_BUS",
        name=tags.get("Name") or item["Name"],
        account_id=where.account_id,
        region=where.region,
        tags=tags,
        attributes={
            "eventBusName": item["Name"],
            "description": item.get("Description") or None,
            # A partner event source's bus is named after it and managed by the partner.
            "managedBy": item.get("ManagedBy"),
            "hasPolicy": bool(item.get("Policy")),
            "lastModifiedTime": iso(item.get("LastModifiedTime")),
        },
        created_time=as_datetime(item.get("CreationTime")),
    )


EVENT_BUSES = ResourceSpec(
    type_code="AWS_EVENT_BRIDGE_BUS",
    title="EventBridge event bus",
    service=EVENTBRIDGE,
    # botocore has no paginator for ListEventBuses: one page of the API's largest size.
    list_call=Call("ListEventBuses", {"Limit": 100}, result_path="EventBuses"),
    normalise=_event_bus,
    cfn_type="AWS::Events::EventBus",
    enrich=(
        per_item(
            Call("ListTagsForResource", result_path="Tags"),
            lambda item: {"ResourceARN": item["Arn"]},
            into="Tags",
            gone=frozenset({"ResourceNotFoundException"}),
        ),
    ),
    tag_source="ListTagsForResource",
)

TYPES: tuple[ResourceSpec, ...] = (EVENT_BUSES,)
