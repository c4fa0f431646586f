"""Amazon DynamoDB tables.

ListTables answers names only: DescribeTable gives the ARN, state and settings, and
ListTagsOfResource (which takes the ARN) the tags.
"""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, kms_key_links, tag_map
from tether.catalog.services import DYNAMODB
from tether.domain.resources import ResourceRecord

_GONE = frozenset({"ResourceNotFoundException"})


def _table(item: dict[str, Any], where: Where) -> ResourceRecord:
    table = item.get("Table") or {}
    name = table.get("TableName") or item["TableName"]
    tags = tag_map(item.get("Tags"))
    throughput = table.get("ProvisionedThroughput") or {}
    stream = table.get("StreamSpecification") or {}
    arn = table.get("TableArn") or (
        f"arn:{where.partition}:dynamodb:{where.region}:{where.account_id}:table/{name}"
    )
    return ResourceRecord(
        arn=arn,
        resource_type="DYNAMO_DB",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        state=table.get("TableStatus"),
        tags=tags,
        # Item count and size change by themselves (AWS refreshes them): not kept.
        attributes={
            "tableName": name,
            "tableId": table.get("TableId"),
            "billingMode": (table.get("BillingModeSummary") or {}).get("BillingMode")
            or "PROVISIONED",
            "readCapacityUnits": throughput.get("ReadCapacityUnits"),
            "writeCapacityUnits": throughput.get("WriteCapacityUnits"),
            "keySchema": {k["AttributeName"]: k["KeyType"] for k in table.get("KeySchema") or []},
            "tableClass": (table.get("TableClassSummary") or {}).get("TableClass"),
            "streamEnabled": bool(stream.get("StreamEnabled")),
            "streamViewType": stream.get("StreamViewType"),
            "deletionProtectionEnabled": table.get("DeletionProtectionEnabled"),
            "globalTableVersion": table.get("GlobalTableVersion"),
            "encryption": (table.get("SSEDescription") or {}).get("SSEType"),
        },
        relationships=kms_key_links((table.get("SSEDescription") or {}).get("KMSMasterKeyArn")),
        created_time=as_datetime(table.get("CreationDateTime")),
    )


TABLES = ResourceSpec(
    type_code="DYNAMO_DB",
    title="DynamoDB table",
    service=DYNAMODB,
    list_call=Call("ListTables", {"Limit": 100}, result_path="TableNames"),
    normalise=_table,
    cfn_type="AWS::DynamoDB::Table",
    item_key="TableName",
    enrich=(
        per_item(
            Call("DescribeTable", result_path="Table"),
            lambda item: {"TableName": item["TableName"]},
            "Table",
            gone=_GONE,
        ),
        per_item(
            Call("ListTagsOfResource", result_path="Tags"),
            lambda item: {"ResourceArn": item["Table"]["TableArn"]},
            "Tags",
            gone=_GONE,
        ),
    ),
    tag_source="ListTagsOfResource",
)

TYPES: tuple[ResourceSpec, ...] = (TABLES,)
