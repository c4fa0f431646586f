"""Amazon SNS topics.

ListTopics answers ARNs only; ListTagsForResource reads each topic's tags. The topic's
settings (GetTopicAttributes) are not read: the inventory needs none of them.
"""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import arn_name, tag_map
from tether.catalog.services import SNS
from tether.domain.resources import ResourceRecord


def _topic(item: dict[str, Any], where: Where) -> ResourceRecord:
    arn = item["TopicArn"]
    name = arn_name(arn)
    tags = tag_map(item.get("Tags"))
    return ResourceRecord(
        arn=arn,
        resource_type="SNS",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        tags=tags,
        attributes={"topicName": name, "fifoTopic": name.endswith(".fifo")},
    )


TOPICS = ResourceSpec(
    type_code="SNS",
    title="SNS topic",
    service=SNS,
    list_call=Call("ListTopics", result_path="Topics"),  # 100 per page; no page size to ask
    normalise=_topic,
    cfn_type="AWS::SNS::Topic",
    enrich=(
        per_item(
            Call("ListTagsForResource", result_path="Tags"),
            lambda item: {"ResourceArn": item["TopicArn"]},
            "Tags",
            gone=frozenset({"ResourceNotFound", "NotFound"}),
        ),
    ),
    tag_source="ListTagsForResource",
)

TYPES: tuple[ResourceSpec, ...] = (TOPICS,)
