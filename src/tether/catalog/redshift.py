"""Amazon Redshift provisioned clusters (DescribeClusters answers their tags)."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where
from tether.catalog.common import as_datetime, kms_key_links, links, network_links, tag_map
from tether.catalog.services import REDSHIFT
from tether.domain.resources import ResourceRecord


def _relationships(item: dict[str, Any], where: Where) -> list[dict[str, str]]:
    groups = [g.get("VpcSecurityGroupId") for g in item.get("VpcSecurityGroups") or []]
    roles = [r.get("IamRoleArn") for r in item.get("IamRoles") or []]
    return [
        *network_links(where, item.get("VpcId"), group_ids=groups),
        *links("AWS_IAM_ROLE", roles),
        *kms_key_links(item.get("KmsKeyId")),
    ]


def _cluster(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    cluster_id = item["ClusterIdentifier"]
    endpoint = item.get("Endpoint") or {}
    return ResourceRecord(
        arn=f"arn:{where.partition}:redshift:{where.region}:{where.account_id}:cluster:{cluster_id}",
        resource_type="REDSHIFT",
        name=tags.get("Name") or cluster_id,
        account_id=where.account_id,
        region=where.region,
        zone=item.get("AvailabilityZone"),
        state=item.get("ClusterStatus"),
        tags=tags,
        attributes={
            "clusterIdentifier": cluster_id,
            "nodeType": item.get("NodeType"),
            "numberOfNodes": item.get("NumberOfNodes"),
            "dbName": item.get("DBName"),
            "endpoint": endpoint.get("Address"),
            "port": endpoint.get("Port"),
            "clusterVersion": item.get("ClusterVersion"),
            "encrypted": item.get("Encrypted"),
            "publiclyAccessible": item.get("PubliclyAccessible"),
            "clusterSubnetGroupName": item.get("ClusterSubnetGroupName"),
            "vpcId": item.get("VpcId"),
            "clusterNamespaceArn": item.get("ClusterNamespaceArn"),
        },
        relationships=_relationships(item, where),
        created_time=as_datetime(item.get("ClusterCreateTime")),
    )


CLUSTERS = ResourceSpec(
    type_code="REDSHIFT",
    title="Redshift cluster",
    service=REDSHIFT,
    list_call=Call("DescribeClusters", {"MaxRecords": 100}, result_path="Clusters"),
    normalise=_cluster,
    cfn_type="AWS::Redshift::Cluster",
)

TYPES: tuple[ResourceSpec, ...] = (CLUSTERS,)
