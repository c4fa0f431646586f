"""Amazon S3 buckets.

ListBuckets is global (one call per account, asked in us-east-1) and answers every bucket
of every region: GetBucketLocation gives each bucket's own region, which is the record's,
and GetBucketTagging its tags (``NoSuchTagSet`` means it has none).
"""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, tag_map
from tether.catalog.services import S3
from tether.domain.resources import ResourceRecord

_GONE = frozenset({"NoSuchBucket"})
# GetBucketLocation answers a null constraint for us-east-1 and "EU" for the oldest
# eu-west-1 buckets.
_LEGACY_LOCATIONS = {"": "us-east-1", "EU": "eu-west-1"}


def bucket_region(location: str | None) -> str:
    """The region of a bucket from GetBucketLocation's ``LocationConstraint``."""
    return _LEGACY_LOCATIONS.get(location or "", location or "us-east-1")


def _bucket(item: dict[str, Any], where: Where) -> ResourceRecord:
    name = item["Name"]
    tags = tag_map(item.get("TagSet"))
    location = item.get("LocationConstraint")
    return ResourceRecord(
        arn=f"arn:{where.partition}:s3:::{name}",
        resource_type="AWS_S3_BUCKET",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=bucket_region(location),
        tags=tags,
        attributes={
            "bucketName": name,
            "locationConstraint": location,
        },
        created_time=as_datetime(item.get("CreationDate")),
    )


BUCKETS = ResourceSpec(
    type_code="AWS_S3_BUCKET",
    title="S3 bucket",
    service=S3,
    list_call=Call(
        "ListBuckets",
        {"MaxBuckets": 10000},
        result_path="Buckets",
        iam_action="s3:ListAllMyBuckets",
    ),
    normalise=_bucket,
    cfn_type="AWS::S3::Bucket",
    enrich=(
        per_item(
            Call("GetBucketLocation", result_path="LocationConstraint"),
            lambda item: {"Bucket": item["Name"]},
            "LocationConstraint",
            gone=_GONE,
        ),
        per_item(
            Call("GetBucketTagging", result_path="TagSet"),
            lambda item: {"Bucket": item["Name"]},
            "TagSet",
            absent={"NoSuchTagSet": []},
            gone=_GONE,
        ),
    ),
    tag_source="GetBucketTagging",
)

TYPES: tuple[ResourceSpec, ...] = (BUCKETS,)
