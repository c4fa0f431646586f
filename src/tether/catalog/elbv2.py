"""Application, Network and Gateway Load Balancers and their target groups (ELB v2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tether.catalog.base import Call, Enrich, Item, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, ec2_links, links, network_links, tag_map
from tether.catalog.services import ELBV2
from tether.domain.resources import ResourceRecord


def _merge_tags(arn_key: str) -> Callable[[list[Item], Any], None]:
    def merge(items: list[Item], answer: Any) -> None:
        """DescribeTags answers per ARN, in no promised order."""
        by_arn = {entry["ResourceArn"]: entry.get("Tags", []) for entry in answer or []}
        for item in items:
            item["Tags"] = by_arn.get(item[arn_key], [])

    return merge


def _tags_of(arn_key: str) -> Enrich:
    """Tags of up to 20 ARNs per call. A resource deleted since the listing fails the whole
    batch (LoadBalancerNotFound / TargetGroupNotFound): the collector then asks for each
    alone and drops only the deleted one."""
    return Enrich(
        Call("DescribeTags", result_path="TagDescriptions"),
        lambda items, _where: {"ResourceArns": [item[arn_key] for item in items]},
        _merge_tags(arn_key),
        batch_size=20,
        gone=frozenset({"LoadBalancerNotFound", "TargetGroupNotFound"}),
    )


def _load_balancer(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    subnets = [zone.get("SubnetId") for zone in item.get("AvailabilityZones", [])]
    return ResourceRecord(
        arn=item["LoadBalancerArn"],
        resource_type="AWS_LOAD_BALANCER_V2",
        name=tags.get("Name") or item["LoadBalancerName"],
        account_id=where.account_id,
        region=where.region,
        state=item.get("State", {}).get("Code"),
        tags=tags,
        attributes={
            "loadBalancerName": item["LoadBalancerName"],
            "type": item.get("Type"),
            "scheme": item.get("Scheme"),
            "dnsName": item.get("DNSName"),
            "ipAddressType": item.get("IpAddressType"),
            "availabilityZones": sorted(
                zone["ZoneName"] for zone in item.get("AvailabilityZones", []) if "ZoneName" in zone
            ),
        },
        relationships=network_links(
            where, item.get("VpcId"), subnets, item.get("SecurityGroups", [])
        ),
        created_time=as_datetime(item.get("CreatedTime")),
    )


# What a registered target's Id is, by the target group's TargetType.
_TARGET_KINDS = {"lambda": "LAMBDA", "alb": "AWS_LOAD_BALANCER_V2"}


def _target_links(item: dict[str, Any], where: Where) -> list[dict[str, str]]:
    ids = [entry["Target"]["Id"] for entry in item.get("Targets") or [] if "Target" in entry]
    kind = item.get("TargetType")
    if kind == "instance":
        return ec2_links(where, "DEVICE", "instance", ids)
    if kind in _TARGET_KINDS:
        return links(_TARGET_KINDS[kind], ids)
    return []  # "ip" targets are addresses, not resources


def _target_group(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    return ResourceRecord(
        arn=item["TargetGroupArn"],
        resource_type="AWS_TARGET_GROUP",
        name=tags.get("Name") or item["TargetGroupName"],
        account_id=where.account_id,
        region=where.region,
        tags=tags,
        attributes={
            "targetGroupName": item["TargetGroupName"],
            "targetType": item.get("TargetType"),
            "protocol": item.get("Protocol"),
            "port": item.get("Port"),
            "healthCheckProtocol": item.get("HealthCheckProtocol"),
            "healthCheckPath": item.get("HealthCheckPath"),
        },
        relationships=[
            *network_links(where, item.get("VpcId")),
            *links("AWS_LOAD_BALANCER_V2", item.get("LoadBalancerArns", [])),
            *_target_links(item, where),
        ],
    )


LOAD_BALANCERS = ResourceSpec(
    type_code="AWS_LOAD_BALANCER_V2",
    title="Application, Network or Gateway Load Balancer",
    service=ELBV2,
    list_call=Call("DescribeLoadBalancers", {"PageSize": 400}, result_path="LoadBalancers"),
    normalise=_load_balancer,
    cfn_type="AWS::ElasticLoadBalancingV2::LoadBalancer",
    enrich=(_tags_of("LoadBalancerArn"),),
    tag_source="DescribeTags",
)
TARGET_GROUPS = ResourceSpec(
    type_code="AWS_TARGET_GROUP",
    title="Load balancer target group",
    service=ELBV2,
    list_call=Call("DescribeTargetGroups", {"PageSize": 400}, result_path="TargetGroups"),
    normalise=_target_group,
    cfn_type="AWS::ElasticLoadBalancingV2::TargetGroup",
    enrich=(
        per_item(
            Call("DescribeTargetHealth", result_path="TargetHealthDescriptions"),
            lambda item: {"TargetGroupArn": item["TargetGroupArn"]},
            into="Targets",
            gone=frozenset({"TargetGroupNotFound"}),
        ),
        _tags_of("TargetGroupArn"),
    ),
    tag_source="DescribeTags",
)

TYPES: tuple[ResourceSpec, ...] = (LOAD_BALANCERS, TARGET_GROUPS)
