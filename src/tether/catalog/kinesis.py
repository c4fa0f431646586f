"""Amazon Kinesis data streams.

ListStreams' StreamSummaries carry the ARN, status and creation time; ListTagsForStream
reads the tags (at most 50 per stream, so one call).
"""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, tag_map
from tether.catalog.services import KINESIS
from tether.domain.resources import ResourceRecord


def _stream(item: dict[str, Any], where: Where) -> ResourceRecord:
    name = item["StreamName"]
    tags = tag_map(item.get("Tags"))
    arn = item.get("StreamARN") or (
        f"arn:{where.partition}:kinesis:{where.region}:{where.account_id}:stream/{name}"
    )
    return ResourceRecord(
        arn=arn,
        resource_type="KINESIS",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        state=item.get("StreamStatus"),
        tags=tags,
        attributes={
            "streamName": name,
            "streamMode": (item.get("StreamModeDetails") or {}).get("StreamMode"),
        },
        created_time=as_datetime(item.get("StreamCreationTimestamp")),
    )


STREAMS = ResourceSpec(
    type_code="KINESIS",
    title="Kinesis data stream",
    service=KINESIS,
    # AWS answers at most 100 streams per page, whatever Limit asks.
    list_call=Call("ListStreams", {"Limit": 100}, result_path="StreamSummaries"),
    normalise=_stream,
    cfn_type="AWS::Kinesis::Stream",
    enrich=(
        per_item(
            Call("ListTagsForStream", {"Limit": 50}, result_path="Tags"),
            lambda item: {"StreamName": item["StreamName"]},
            "Tags",
            gone=frozenset({"ResourceNotFoundException"}),
        ),
    ),
    tag_source="ListTagsForStream",
)

TYPES: tuple[ResourceSpec, ...] = (STREAMS,)
