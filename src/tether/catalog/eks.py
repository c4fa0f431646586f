"""Amazon EKS clusters."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, links, network_links
from tether.catalog.services import EKS
from tether.domain.resources import ResourceRecord


def _cluster(item: dict[str, Any], where: Where) -> ResourceRecord:
    cluster = item["cluster"]
    tags = {str(key): str(value) for key, value in (cluster.get("tags") or {}).items()}
    vpc = cluster.get("resourcesVpcConfig") or {}
    groups = [*vpc.get("securityGroupIds", []), vpc.get("clusterSecurityGroupId")]
    # Metadata only: not the certificate authority data.
    return ResourceRecord(
        arn=cluster["arn"],
        resource_type="AWS_EKS_CLUSTER",
        name=tags.get("Name") or cluster["name"],
        account_id=where.account_id,
        region=where.region,
        state=cluster.get("status"),
        tags=tags,
        attributes={
            "clusterName": cluster["name"],
            "version": cluster.get("version"),
            "platformVersion": cluster.get("platformVersion"),
            "endpoint": cluster.get("endpoint"),
            "endpointPublicAccess": vpc.get("endpointPublicAccess"),
            "endpointPrivateAccess": vpc.get("endpointPrivateAccess"),
        },
        relationships=[
            *links("AWS_IAM_ROLE", [cluster.get("roleArn")]),
            *network_links(where, vpc.get("vpcId"), vpc.get("subnetIds", []), groups),
        ],
        created_time=as_datetime(cluster.get("createdAt")),
    )


CLUSTERS = ResourceSpec(
    type_code="AWS_EKS_CLUSTER",
    title="EKS cluster",
    service=EKS,
    list_call=Call("ListClusters", {"maxResults": 100}, result_path="clusters"),
    item_key="name",
    normalise=_cluster,
    cfn_type="AWS::EKS::Cluster",
    enrich=(
        per_item(
            Call("DescribeCluster", result_path="cluster"),
            lambda item: {"name": item["name"]},
            into="cluster",
            gone=frozenset({"ResourceNotFoundException"}),
        ),
    ),
    tag_source="DescribeCluster",
)

TYPES: tuple[ResourceSpec, ...] = (CLUSTERS,)
