"""Amazon MSK clusters, provisioned and serverless (ListClustersV2 answers their tags)."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where
from tether.catalog.common import as_datetime, kms_key_links, network_links
from tether.catalog.services import MSK
from tether.domain.resources import ResourceRecord


def _network(item: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Subnets and security groups of the brokers (provisioned) or VPC configs (serverless)."""
    subnets: set[str] = set()
    groups: set[str] = set()
    brokers = (item.get("Provisioned") or {}).get("BrokerNodeGroupInfo") or {}
    subnets.update(brokers.get("ClientSubnets") or [])
    groups.update(brokers.get("SecurityGroups") or [])
    for config in (item.get("Serverless") or {}).get("VpcConfigs") or []:
        subnets.update(config.get("SubnetIds") or [])
        groups.update(config.get("SecurityGroupIds") or [])
    return subnets, groups


def _cluster(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = {str(key): str(value) for key, value in (item.get("Tags") or {}).items()}
    name = item["ClusterName"]
    provisioned = item.get("Provisioned") or {}
    brokers = provisioned.get("BrokerNodeGroupInfo") or {}
    software = provisioned.get("CurrentBrokerSoftwareInfo") or {}
    subnets, groups = _network(item)
    encryption = (provisioned.get("EncryptionInfo") or {}).get("EncryptionAtRest") or {}
    return ResourceRecord(
        arn=item["ClusterArn"],
        resource_type="AWS_MSK_CLUSTER",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        state=item.get("State"),
        tags=tags,
        attributes={
            "clusterName": name,
            "clusterType": item.get("ClusterType"),
            "kafkaVersion": software.get("KafkaVersion"),
            "numberOfBrokerNodes": provisioned.get("NumberOfBrokerNodes"),
            "instanceType": brokers.get("InstanceType"),
            "currentVersion": item.get("CurrentVersion"),
        },
        relationships=[
            *network_links(where, subnet_ids=subnets, group_ids=groups),
            *kms_key_links(encryption.get("DataVolumeKMSKeyId")),
        ],
        created_time=as_datetime(item.get("CreationTime")),
    )


CLUSTERS = ResourceSpec(
    type_code="AWS_MSK_CLUSTER",
    title="MSK cluster",
    service=MSK,
    list_call=Call("ListClustersV2", {"MaxResults": 100}, result_path="ClusterInfoList"),
    normalise=_cluster,
    cfn_type="AWS::MSK::Cluster",
)

TYPES: tuple[ResourceSpec, ...] = (CLUSTERS,)
