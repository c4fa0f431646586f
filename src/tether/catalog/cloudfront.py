"""Amazon CloudFront distributions (global: listed once per account)."""

from __future__ import annotations

import re
from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import iso, tag_map
from tether.catalog.services import CLOUDFRONT
from tether.domain.resources import ResourceRecord

# An S3 origin's domain: the bucket's REST endpoint (global or regional) or website endpoint.
_S3_ORIGIN = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3(?:-website)?(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$"
)


def _items(container: dict[str, Any] | None) -> list[Any]:
    """CloudFront's ``{"Quantity": n, "Items": [...]}`` lists."""
    return list((container or {}).get("Items") or [])


def _bucket_arns(item: dict[str, Any], partition: str) -> list[str]:
    buckets = set()
    for origin in _items(item.get("Origins")):
        match = _S3_ORIGIN.match(str(origin.get("DomainName", "")).lower())
        if match:
            buckets.add(match["bucket"])
    return [f"arn:{partition}:s3:::{bucket}" for bucket in sorted(buckets)]


def _distribution(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    certificate = item.get("ViewerCertificate") or {}
    return ResourceRecord(
        arn=item["ARN"],
        resource_type="CLOUDFRONT",
        name=tags.get("Name") or item["Id"],
        account_id=where.account_id,
        region="global",
        state=item.get("Status"),
        tags=tags,
        attributes={
            "distributionId": item["Id"],
            "domainName": item.get("DomainName"),
            "aliases": sorted(_items(item.get("Aliases"))),
            "enabled": item.get("Enabled"),
            "comment": item.get("Comment") or None,
            "priceClass": item.get("PriceClass"),
            "httpVersion": item.get("HttpVersion"),
            "ipv6Enabled": item.get("IsIPV6Enabled"),
            "origins": sorted(str(o.get("DomainName")) for o in _items(item.get("Origins"))),
            "webAclId": item.get("WebACLId") or None,
            "acmCertificateArn": certificate.get("ACMCertificateArn") or None,
            "staging": item.get("Staging"),
            "lastModifiedTime": iso(item.get("LastModifiedTime")),
        },
        relationships=[
            {"type": "AWS_S3_BUCKET", "arn": arn} for arn in _bucket_arns(item, where.partition)
        ],
    )


DISTRIBUTIONS = ResourceSpec(
    type_code="CLOUDFRONT",
    title="CloudFront distribution",
    service=CLOUDFRONT,
    # MaxItems is a string in this API; 100 is its maximum.
    list_call=Call("ListDistributions", {"MaxItems": "100"}, result_path="DistributionList.Items"),
    normalise=_distribution,
    cfn_type="AWS::CloudFront::Distribution",
    enrich=(
        per_item(
            Call("ListTagsForResource", result_path="Tags.Items"),
            lambda item: {"Resource": item["ARN"]},
            into="Tags",
            gone=frozenset({"NoSuchResource"}),
        ),
    ),
    tag_source="ListTagsForResource",
)

TYPES: tuple[ResourceSpec, ...] = (DISTRIBUTIONS,)
