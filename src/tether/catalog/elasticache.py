"""Amazon ElastiCache cache clusters (Memcached clusters and the nodes of Redis/Valkey groups).

DescribeCacheClusters carries no tags: ListTagsForResource reads them per cluster ARN.
"""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, network_links, tag_map
from tether.catalog.services import ELASTICACHE
from tether.domain.resources import ResourceRecord


def _arn(item: dict[str, Any], where: Where) -> str:
    return item.get("ARN") or (
        f"arn:{where.partition}:elasticache:{where.region}:{where.account_id}"
        f":cluster:{item['CacheClusterId']}"
    )


def _cluster(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    cluster_id = item["CacheClusterId"]
    zone = item.get("PreferredAvailabilityZone")
    endpoint = item.get("ConfigurationEndpoint") or {}
    groups = [g.get("SecurityGroupId") for g in item.get("SecurityGroups") or []]
    return ResourceRecord(
        arn=_arn(item, where),
        resource_type="ELASTICACHE",
        name=tags.get("Name") or cluster_id,
        account_id=where.account_id,
        region=where.region,
        zone=zone if zone and zone != "Multiple" else None,
        state=item.get("CacheClusterStatus"),
        tags=tags,
        attributes={
            "cacheClusterId": cluster_id,
            "engine": item.get("Engine"),
            "engineVersion": item.get("EngineVersion"),
            "cacheNodeType": item.get("CacheNodeType"),
            "numCacheNodes": item.get("NumCacheNodes"),
            "replicationGroupId": item.get("ReplicationGroupId"),
            "cacheSubnetGroupName": item.get("CacheSubnetGroupName"),
            "configurationEndpoint": endpoint.get("Address"),
            "port": endpoint.get("Port"),
            "transitEncryptionEnabled": item.get("TransitEncryptionEnabled"),
            "atRestEncryptionEnabled": item.get("AtRestEncryptionEnabled"),
        },
        relationships=network_links(where, group_ids=groups),
        created_time=as_datetime(item.get("CacheClusterCreateTime")),
    )


CACHE_CLUSTERS = ResourceSpec(
    type_code="ELASTICACHE",
    title="ElastiCache cache cluster",
    service=ELASTICACHE,
    list_call=Call("DescribeCacheClusters", {"MaxRecords": 100}, result_path="CacheClusters"),
    normalise=_cluster,
    cfn_type="AWS::ElastiCache::CacheCluster",
    enrich=(
        per_item(
            Call("ListTagsForResource", result_path="TagList"),
            lambda item: {"ResourceName": item["ARN"]},
            "Tags",
            gone=frozenset({"CacheClusterNotFound"}),
        ),
    ),
    tag_source="ListTagsForResource",
)

TYPES: tuple[ResourceSpec, ...] = (CACHE_CLUSTERS,)
