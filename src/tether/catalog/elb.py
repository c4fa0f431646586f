"""Classic Load Balancers (Elastic Load Balancing, first API version)."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, Enrich, Item, ResourceSpec, Where
from tether.catalog.common import as_datetime, ec2_links, network_links, tag_map
from tether.catalog.services import ELB
from tether.domain.resources import ResourceRecord


def classic_lb_arn(where: Where, name: str) -> str:
    """AWS gives Classic Load Balancers no ARN in answers; this is the documented form."""
    return (
        f"arn:{where.partition}:elasticloadbalancing:{where.region}:{where.account_id}"
        f":loadbalancer/{name}"
    )


def _merge_tags(items: list[Item], answer: Any) -> None:
    """DescribeTags answers per load balancer name, in no promised order."""
    by_name = {entry["LoadBalancerName"]: entry.get("Tags", []) for entry in answer or []}
    for item in items:
        item["Tags"] = by_name.get(item["LoadBalancerName"], [])


def _listener(listener: dict[str, Any]) -> str:
    """``HTTP:80->HTTP:8080``: what the listener forwards where."""
    protocol = listener.get("Protocol")
    backend = listener.get("InstanceProtocol") or protocol
    return (
        f"{protocol}:{listener.get('LoadBalancerPort')}->{backend}:{listener.get('InstancePort')}"
    )


def _load_balancer(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    name = item["LoadBalancerName"]
    instances = [entry.get("InstanceId") for entry in item.get("Instances", [])]
    return ResourceRecord(
        arn=classic_lb_arn(where, name),
        resource_type="LOAD_BALANCER",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        tags=tags,
        attributes={
            "loadBalancerName": name,
            "dnsName": item.get("DNSName"),
            "scheme": item.get("Scheme"),
            "availabilityZones": sorted(item.get("AvailabilityZones", [])),
            "listeners": sorted(
                _listener(entry.get("Listener", {}))
                for entry in item.get("ListenerDescriptions", [])
            ),
        },
        relationships=[
            *network_links(
                where, item.get("VPCId"), item.get("Subnets", []), item.get("SecurityGroups", [])
            ),
            *ec2_links(where, "DEVICE", "instance", instances),
        ],
        created_time=as_datetime(item.get("CreatedTime")),
    )


LOAD_BALANCERS = ResourceSpec(
    type_code="LOAD_BALANCER",
    title="Classic Load Balancer",
    service=ELB,
    list_call=Call(
        "DescribeLoadBalancers", {"PageSize": 400}, result_path="LoadBalancerDescriptions"
    ),
    normalise=_load_balancer,
    cfn_type="AWS::ElasticLoadBalancing::LoadBalancer",
    # DescribeTags takes up to 20 names; one deleted since the listing fails the whole
    # batch (LoadBalancerNotFound): the collector then asks for each alone.
    enrich=(
        Enrich(
            Call("DescribeTags", result_path="TagDescriptions"),
            lambda items, _where: {
                "LoadBalancerNames": [item["LoadBalancerName"] for item in items]
            },
            _merge_tags,
            batch_size=20,
            gone=frozenset({"LoadBalancerNotFound"}),
        ),
    ),
    tag_source="DescribeTags",
)

TYPES: tuple[ResourceSpec, ...] = (LOAD_BALANCERS,)
