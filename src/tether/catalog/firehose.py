"""Amazon Data Firehose delivery streams.

ListDeliveryStreams answers names only (and botocore has no paginator for it: one call
asks for the most AWS allows). DescribeDeliveryStream gives the ARN, status, source and
destinations; ListTagsForDeliveryStream the tags (at most 50, so one call).
"""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, tag_map
from tether.catalog.services import FIREHOSE
from tether.domain.resources import ResourceRecord

_GONE = frozenset({"ResourceNotFoundException"})
# Where each destination description names what it writes to, and as which type.
_DESTINATION_LINKS = (
    ("S3DestinationDescription", "BucketARN", "AWS_S3_BUCKET"),
    ("ExtendedS3DestinationDescription", "BucketARN", "AWS_S3_BUCKET"),
    ("AmazonopensearchserviceDestinationDescription", "DomainARN", "ES_SERVICE"),
    ("ElasticsearchDestinationDescription", "DomainARN", "ES_SERVICE"),
)


def _relationships(description: dict[str, Any]) -> list[dict[str, str]]:
    links: set[tuple[str, str]] = set()
    source = description.get("Source") or {}
    stream = (source.get("KinesisStreamSourceDescription") or {}).get("KinesisStreamARN")
    msk = (source.get("MSKSourceDescription") or {}).get("MSKClusterARN")
    links |= {("KINESIS", stream)} if stream else set()
    links |= {("AWS_MSK_CLUSTER", msk)} if msk else set()
    for destination in description.get("Destinations") or []:
        for key, arn_key, kind in _DESTINATION_LINKS:
            target = (destination.get(key) or {}).get(arn_key)
            if target:
                links.add((kind, target))
        for value in destination.values():
            role = value.get("RoleARN") if isinstance(value, dict) else None
            if role:
                links.add(("AWS_IAM_ROLE", role))
    kms_key = (description.get("DeliveryStreamEncryptionConfiguration") or {}).get("KeyARN")
    links |= {("AWS_KMS_KEY", kms_key)} if kms_key else set()
    return [{"type": kind, "arn": arn} for kind, arn in sorted(links)]


def _destinations(description: dict[str, Any]) -> list[str]:
    """The kinds of destination (``ExtendedS3``, ``HttpEndpoint``, ...), sorted."""
    kinds = {
        key.removesuffix("DestinationDescription")
        for destination in description.get("Destinations") or []
        for key in destination
        if key.endswith("DestinationDescription")
    }
    if "ExtendedS3" in kinds:
        kinds.discard("S3")  # AWS repeats an extended S3 destination as a plain one
    return sorted(kinds)


def _delivery_stream(item: dict[str, Any], where: Where) -> ResourceRecord:
    description = item.get("Description") or {}
    name = item["DeliveryStreamName"]
    tags = tag_map(item.get("Tags"))
    arn = description.get("DeliveryStreamARN") or (
        f"arn:{where.partition}:firehose:{where.region}:{where.account_id}:deliverystream/{name}"
    )
    encryption = description.get("DeliveryStreamEncryptionConfiguration") or {}
    return ResourceRecord(
        arn=arn,
        resource_type="KINESIS_FIREHOSE",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        state=description.get("DeliveryStreamStatus"),
        tags=tags,
        attributes={
            "deliveryStreamName": name,
            "deliveryStreamType": description.get("DeliveryStreamType"),
            "destinations": _destinations(description),
            "encryption": encryption.get("Status"),
            "versionId": description.get("VersionId"),
        },
        relationships=_relationships(description),
        created_time=as_datetime(description.get("CreateTimestamp")),
    )


DELIVERY_STREAMS = ResourceSpec(
    type_code="KINESIS_FIREHOSE",
    title="Firehose delivery stream",
    service=FIREHOSE,
    list_call=Call("ListDeliveryStreams", {"Limit": 10000}, result_path="DeliveryStreamNames"),
    normalise=_delivery_stream,
    cfn_type="AWS::KinesisFirehose::DeliveryStream",
    item_key="DeliveryStreamName",
    enrich=(
        per_item(
            Call("DescribeDeliveryStream", result_path="DeliveryStreamDescription"),
            lambda item: {"DeliveryStreamName": item["DeliveryStreamName"]},
            "Description",
            gone=_GONE,
        ),
        per_item(
            Call("ListTagsForDeliveryStream", {"Limit": 50}, result_path="Tags"),
            lambda item: {"DeliveryStreamName": item["DeliveryStreamName"]},
            "Tags",
            gone=_GONE,
        ),
    ),
    tag_source="ListTagsForDeliveryStream",
)

TYPES: tuple[ResourceSpec, ...] = (DELIVERY_STREAMS,)
