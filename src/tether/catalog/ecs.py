"""Amazon ECS clusters and services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tether.catalog.base import PARENT_KEY, Call, Enrich, Item, Parent, ResourceSpec, Where
from tether.catalog.common import arn_name, as_datetime, links, network_links, tag_map
from tether.catalog.services import ECS
from tether.domain.resources import ResourceRecord

# ListClusters and ListServices answer at most 100 ARNs a page.
LIST_CLUSTERS = Call("ListClusters", {"maxResults": 100}, result_path="clusterArns")


def _merge_by(arn_key: str) -> Callable[[list[Item], Any], list[Item]]:
    def merge(items: list[Item], answer: Any) -> list[Item]:
        """Describe* answers the found ones in no promised order; one deleted since the
        listing is under ``failures`` instead, and is dropped."""
        found = {entry[arn_key]: entry for entry in answer or []}
        for item in items:
            item.update(found.get(item[arn_key], {}))
        return [item for item in items if item[arn_key] in found]

    return merge


def _ecs_tags(item: dict[str, Any]) -> dict[str, str]:
    return tag_map(item.get("tags"), key="key", value="value")


def _cluster(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = _ecs_tags(item)
    arn = item["clusterArn"]
    name = item.get("clusterName") or arn_name(arn)
    # No task or instance counts: they move all day and are not changes of the cluster.
    return ResourceRecord(
        arn=arn,
        resource_type="ECS_CLUSTER",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        state=item.get("status"),
        tags=tags,
        attributes={
            "clusterName": name,
            "capacityProviders": sorted(item.get("capacityProviders", [])),
            "containerInsights": next(
                (
                    s.get("value")
                    for s in item.get("settings", [])
                    if s.get("name") == "containerInsights"
                ),
                None,
            ),
        },
    )


def _services_request(items: list[Item], _where: Where) -> dict[str, Any]:
    """DescribeServices reads services of one cluster per call (batches never mix
    parents)."""
    return {"cluster": items[0][PARENT_KEY], "services": [item["serviceArn"] for item in items]}


def _service(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = _ecs_tags(item)
    arn = item["serviceArn"]
    name = item.get("serviceName") or arn_name(arn)
    network = (item.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    balancers = item.get("loadBalancers", [])
    return ResourceRecord(
        arn=arn,
        resource_type="AWS_ECS_SERVICE",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        state=item.get("status"),
        tags=tags,
        attributes={
            "serviceName": name,
            "launchType": item.get("launchType"),
            "schedulingStrategy": item.get("schedulingStrategy"),
            "desiredCount": item.get("desiredCount"),
            "taskDefinition": item.get("taskDefinition"),
        },
        relationships=[
            *links("ECS_CLUSTER", [item.get("clusterArn") or item.get(PARENT_KEY)]),
            *links("AWS_TARGET_GROUP", (lb.get("targetGroupArn") for lb in balancers)),
            *network_links(
                where, None, network.get("subnets", []), network.get("securityGroups", [])
            ),
        ],
        created_time=as_datetime(item.get("createdAt")),
    )


CLUSTERS = ResourceSpec(
    type_code="ECS_CLUSTER",
    title="ECS cluster",
    service=ECS,
    list_call=LIST_CLUSTERS,
    item_key="clusterArn",
    normalise=_cluster,
    cfn_type="AWS::ECS::Cluster",
    enrich=(
        Enrich(
            Call("DescribeClusters", {"include": ["TAGS"]}, result_path="clusters"),
            lambda items, _where: {"clusters": [item["clusterArn"] for item in items]},
            _merge_by("clusterArn"),
            batch_size=100,
        ),
    ),
    tag_source="DescribeClusters",
)
SERVICES = ResourceSpec(
    type_code="AWS_ECS_SERVICE",
    title="ECS service",
    service=ECS,
    parent=Parent(LIST_CLUSTERS, param="cluster"),
    list_call=Call("ListServices", {"maxResults": 100}, result_path="serviceArns"),
    item_key="serviceArn",
    normalise=_service,
    cfn_type="AWS::ECS::Service",
    enrich=(
        Enrich(
            Call("DescribeServices", {"include": ["TAGS"]}, result_path="services"),
            _services_request,
            _merge_by("serviceArn"),
            batch_size=10,
        ),
    ),
    tag_source="DescribeServices",
)

TYPES: tuple[ResourceSpec, ...] = (CLUSTERS, SERVICES)
