"""Amazon SQS queues.

ListQueues answers queue URLs only: GetQueueAttributes gives the ARN, creation time and
settings (never message counts, which change by themselves), ListQueueTags the tags.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, kms_key_links
from tether.catalog.services import SQS
from tether.domain.resources import ResourceRecord

# The query-protocol code and the JSON-protocol one: botocore gives either.
_GONE = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})
_ATTRIBUTES = (
    "QueueArn",
    "CreatedTimestamp",
    "FifoQueue",
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "RedrivePolicy",
    "KmsMasterKeyId",
    "SqsManagedSseEnabled",
)


def _epoch(value: str | None) -> datetime | None:
    """SQS timestamps are epoch seconds as text."""
    return as_datetime(float(value)) if value else None


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _dead_letter_queue(attributes: dict[str, str]) -> str | None:
    policy = attributes.get("RedrivePolicy")
    if not policy:
        return None
    target = json.loads(policy).get("deadLetterTargetArn")
    return str(target) if target else None


def _queue(item: dict[str, Any], where: Where) -> ResourceRecord:
    url = item["QueueUrl"]
    name = url.rstrip("/").rsplit("/", 1)[-1]
    attributes: dict[str, str] = item.get("Attributes") or {}
    tags = {str(key): str(value) for key, value in (item.get("Tags") or {}).items()}
    dead_letter = _dead_letter_queue(attributes)
    arn = attributes.get("QueueArn") or (
        f"arn:{where.partition}:sqs:{where.region}:{where.account_id}:{name}"
    )
    return ResourceRecord(
        arn=arn,
        resource_type="SQS",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        tags=tags,
        attributes={
            "queueName": name,
            "queueUrl": url,
            "fifoQueue": attributes.get("FifoQueue") == "true",
            "visibilityTimeout": _int(attributes.get("VisibilityTimeout")),
            "messageRetentionPeriod": _int(attributes.get("MessageRetentionPeriod")),
            "delaySeconds": _int(attributes.get("DelaySeconds")),
            "kmsMasterKeyId": attributes.get("KmsMasterKeyId"),
            "sqsManagedSseEnabled": attributes.get("SqsManagedSseEnabled") == "true",
            "deadLetterTargetArn": dead_letter,
        },
        relationships=[
            *([{"type": "SQS", "arn": dead_letter}] if dead_letter else []),
            *kms_key_links(attributes.get("KmsMasterKeyId")),
        ],
        created_time=_epoch(attributes.get("CreatedTimestamp")),
    )


QUEUES = ResourceSpec(
    type_code="SQS",
    title="SQS queue",
    service=SQS,
    list_call=Call("ListQueues", {"MaxResults": 1000}, result_path="QueueUrls"),
    normalise=_queue,
    cfn_type="AWS::SQS::Queue",
    item_key="QueueUrl",
    enrich=(
        per_item(
            Call(
                "GetQueueAttributes",
                {"AttributeNames": list(_ATTRIBUTES)},
                result_path="Attributes",
            ),
            lambda item: {"QueueUrl": item["QueueUrl"]},
            "Attributes",
            gone=_GONE,
        ),
        per_item(
            Call("ListQueueTags", result_path="Tags"),
            lambda item: {"QueueUrl": item["QueueUrl"]},
            "Tags",
            gone=_GONE,
        ),
    ),
    tag_source="ListQueueTags",
)

TYPES: tuple[ResourceSpec, ...] = (QUEUES,)
