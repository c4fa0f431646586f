"""Amazon RDS resource types: DB instances and DB clusters (Aurora, Multi-AZ clusters)."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where
from tether.catalog.common import as_datetime, ec2_arn, kms_key_arn, links, tag_map
from tether.catalog.services import RDS
from tether.domain.resources import ResourceRecord


def _rds_arn(where: Where, kind: str, identifier: str) -> str:
    """RDS ARNs put ``:`` before the resource id (``...:db:name``, ``...:cluster:name``)."""
    if identifier.startswith("arn:"):
        return identifier  # a cross-region replica names its source by ARN
    return f"arn:{where.partition}:rds:{where.region}:{where.account_id}:{kind}:{identifier}"


def _common_links(item: dict[str, Any], where: Where) -> list[dict[str, str]]:
    """Security groups, IAM roles and the KMS key: instances and clusters name them alike."""
    groups = (g.get("VpcSecurityGroupId") for g in item.get("VpcSecurityGroups") or [])
    roles = [role.get("RoleArn") for role in item.get("AssociatedRoles") or []]
    return [
        *links("AWS_SECURITY_GROUP", (ec2_arn(where, "security-group", g) for g in groups if g)),
        *links("AWS_IAM_ROLE", [*roles, item.get("MonitoringRoleArn")]),
        *links("AWS_KMS_KEY", [kms_key_arn(item.get("KmsKeyId"))]),
    ]


def _instance(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("TagList"))
    identifier = item["DBInstanceIdentifier"]
    endpoint = item.get("Endpoint") or {}
    subnet_group = item.get("DBSubnetGroup") or {}
    vpc_id = subnet_group.get("VpcId")
    subnets = (s.get("SubnetIdentifier") for s in subnet_group.get("Subnets") or [])
    cluster = item.get("DBClusterIdentifier")
    source = item.get("ReadReplicaSourceDBInstanceIdentifier")
    relationships = [
        *links("AWS_RDS_CLUSTER", [_rds_arn(where, "cluster", cluster) if cluster else None]),
        *links("RDS", [_rds_arn(where, "db", source) if source else None]),
        *links("AWS_VPC", [ec2_arn(where, "vpc", vpc_id) if vpc_id else None]),
        *links("AWS_SUBNET", (ec2_arn(where, "subnet", s) for s in subnets if s)),
        *_common_links(item, where),
    ]
    return ResourceRecord(
        arn=item.get("DBInstanceArn") or _rds_arn(where, "db", identifier),
        resource_type="RDS",
        name=tags.get("Name") or identifier,
        account_id=where.account_id,
        region=where.region,
        zone=item.get("AvailabilityZone"),
        state=item.get("DBInstanceStatus"),
        tags=tags,
        attributes={
            "dbInstanceIdentifier": identifier,
            "dbInstanceClass": item.get("DBInstanceClass"),
            "engine": item.get("Engine"),
            "engineVersion": item.get("EngineVersion"),
            "endpoint": endpoint.get("Address"),
            "port": endpoint.get("Port") or item.get("DbInstancePort"),
            "allocatedStorage": item.get("AllocatedStorage"),
            "storageType": item.get("StorageType"),
            "storageEncrypted": item.get("StorageEncrypted"),
            "multiAZ": item.get("MultiAZ"),
            "publiclyAccessible": item.get("PubliclyAccessible"),
            "dbClusterIdentifier": cluster,
            "dbiResourceId": item.get("DbiResourceId"),
            "vpcId": vpc_id,
        },
        relationships=relationships,
        created_time=as_datetime(item.get("InstanceCreateTime")),
    )


def _cluster(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("TagList"))
    identifier = item["DBClusterIdentifier"]
    members = item.get("DBClusterMembers") or []
    member_ids = sorted(m["DBInstanceIdentifier"] for m in members if m.get("DBInstanceIdentifier"))
    writers = sorted(
        m["DBInstanceIdentifier"]
        for m in members
        if m.get("IsClusterWriter") and m.get("DBInstanceIdentifier")
    )
    relationships = [
        *links("RDS", (_rds_arn(where, "db", member) for member in member_ids)),
        *_common_links(item, where),
    ]
    return ResourceRecord(
        arn=item.get("DBClusterArn") or _rds_arn(where, "cluster", identifier),
        resource_type="AWS_RDS_CLUSTER",
        name=tags.get("Name") or identifier,
        account_id=where.account_id,
        region=where.region,
        zone=None,  # a cluster spans availability zones
        state=item.get("Status"),
        tags=tags,
        attributes={
            "dbClusterIdentifier": identifier,
            "engine": item.get("Engine"),
            "engineVersion": item.get("EngineVersion"),
            "engineMode": item.get("EngineMode"),
            "endpoint": item.get("Endpoint"),
            "readerEndpoint": item.get("ReaderEndpoint"),
            "port": item.get("Port"),
            "multiAZ": item.get("MultiAZ"),
            "storageEncrypted": item.get("StorageEncrypted"),
            "dbClusterResourceId": item.get("DbClusterResourceId"),
            "dbSubnetGroup": item.get("DBSubnetGroup"),
            "availabilityZones": sorted(item.get("AvailabilityZones") or []),
            "members": member_ids,
            "writers": writers,
        },
        relationships=relationships,
        created_time=as_datetime(item.get("ClusterCreateTime")),
    )


INSTANCES = ResourceSpec(
    type_code="RDS",
    title="RDS DB instance",
    service=RDS,
    list_call=Call("DescribeDBInstances", {"MaxRecords": 100}, result_path="DBInstances"),
    normalise=_instance,
    cfn_type="AWS::RDS::DBInstance",
)

CLUSTERS = ResourceSpec(
    type_code="AWS_RDS_CLUSTER",
    title="RDS DB cluster",
    service=RDS,
    list_call=Call("DescribeDBClusters", {"MaxRecords": 100}, result_path="DBClusters"),
    normalise=_cluster,
    cfn_type="AWS::RDS::DBCluster",
)

TYPES: tuple[ResourceSpec, ...] = (INSTANCES, CLUSTERS)
