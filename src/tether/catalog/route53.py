"""Amazon Route 53 hosted zones (global: listed once per account)."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, Enrich, Item, ResourceSpec, Where
from tether.catalog.common import tag_map
from tether.catalog.services import ROUTE53
from tether.domain.resources import ResourceRecord


def _zone_id(item: Item) -> str:
    """``/hostedzone/Z123`` → ``Z123``."""
    return str(item["Id"]).rsplit("/", 1)[-1]


def _merge_tags(items: list[Item], tag_sets: Any) -> None:
    """ListTagsForResources answers one tag set per zone, not in request order."""
    by_id = {str(s.get("ResourceId")): s.get("Tags") or [] for s in tag_sets or []}
    for item in items:
        item["Tags"] = by_id.get(_zone_id(item), [])


def _hosted_zone(item: dict[str, Any], where: Where) -> ResourceRecord:
    zone_id = _zone_id(item)
    tags = tag_map(item.get("Tags"))
    config = item.get("Config") or {}
    domain = str(item.get("Name") or "")
    return ResourceRecord(
        # Hosted zone ARNs name no region and no account.
        arn=f"arn:{where.partition}:route53:::hostedzone/{zone_id}",
        resource_type="AWS_HOSTED_ZONE",
        name=tags.get("Name") or domain.rstrip(".") or zone_id,
        account_id=where.account_id,
        region="global",
        tags=tags,
        attributes={
            "hostedZoneId": zone_id,
            "domainName": domain,
            "privateZone": bool(config.get("PrivateZone")),
            "comment": config.get("Comment") or None,
            "recordSetCount": item.get("ResourceRecordSetCount"),
            # Set when another service (e.g. Cloud Map) created and manages the zone.
            "linkedService": (item.get("LinkedService") or {}).get("ServicePrincipal"),
        },
    )


HOSTED_ZONES = ResourceSpec(
    type_code="AWS_HOSTED_ZONE",
    title="Route 53 hosted zone",
    service=ROUTE53,
    # MaxItems is a string in this API; 100 is its maximum.
    list_call=Call("ListHostedZones", {"MaxItems": "100"}, result_path="HostedZones"),
    normalise=_hosted_zone,
    cfn_type="AWS::Route53::HostedZone",
    enrich=(
        # Up to 10 zones per call.
        Enrich(
            Call(
                "ListTagsForResources",
                {"ResourceType": "hostedzone"},
                result_path="ResourceTagSets",
            ),
            lambda items, _where: {"ResourceIds": [_zone_id(item) for item in items]},
            _merge_tags,
            batch_size=10,
        ),
    ),
    tag_source="ListTagsForResources",
)

TYPES: tuple[ResourceSpec, ...] = (HOSTED_ZONES,)
