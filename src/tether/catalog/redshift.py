"""Amazon Redshift provisioned clusters (DescribeClusters answers their tags)."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where
from tether.catalog.common import as_datetime, tag_map
from tether.catalog.services import REDSHIFT
from tether.domain.resources import ResourceRecord


def _kms_key(value: str | None) -> list[dict[str, str]]:
    """A KMS key given by ARN (not by alias or bare id) as a relationship."""
    if value and value.startswith("arn:") and ":key/" in value:
        return [{"type": "AWS_KMS_KEY", "arn": value}]
    return []


def _relationships(item: dict[str, Any], where: Where) -> list[dict[str, str]]:
    ec2 = f"arn:{where.partition}:ec2:{where.region}:{where.account_id}"
    groups = sorted(
        {
            g["VpcSecurityGroupId"]
            for g in item.get("VpcSecurityGroups") or []
            if g.get("VpcSecurityGroupId")
        }
    )
    roles = sorted({r["IamRoleArn"] for r in item.get("IamRoles") or [] if r.get("IamRoleArn")})
    vpc = [{"type": "AWS_VPC", "arn": f"{ec2}:vpc/{item['VpcId']}"}] if item.get("VpcId") else []
    return [
        *vpc,
        *({"type": "AWS_SECURITY_GROUP", "arn": f"{ec2}:security-group/{g}"} for g in groups),
        *({"type": "AWS_IAM_ROLE", "arn": role} for role in roles),
        *_kms_key(item.get("KmsKeyId")),
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
