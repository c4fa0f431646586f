"""Amazon EC2 resource types."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where
from tether.catalog.common import tag_map
from tether.catalog.services import EC2
from tether.domain.resources import ResourceRecord


def _instance(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    instance_id = item["InstanceId"]
    placement = item.get("Placement", {})
    relationships = [{"type": "subnet", "id": item["SubnetId"]}] if item.get("SubnetId") else []
    if item.get("VpcId"):
        relationships.append({"type": "vpc", "id": item["VpcId"]})
    relationships += [
        {"type": "security-group", "id": group["GroupId"]}
        for group in item.get("SecurityGroups", [])
    ]
    relationships += [
        {"type": "volume", "id": mapping["Ebs"]["VolumeId"]}
        for mapping in item.get("BlockDeviceMappings", [])
        if "Ebs" in mapping
    ]
    launch = item.get("LaunchTime")
    return ResourceRecord(
        arn=f"arn:{where.partition}:ec2:{where.region}:{where.account_id}:instance/{instance_id}",
        resource_type="DEVICE",
        name=tags.get("Name") or instance_id,
        account_id=where.account_id,
        region=where.region,
        zone=placement.get("AvailabilityZone"),
        state=item.get("State", {}).get("Name"),
        tags=tags,
        # The attributes OpsRamp shows for an EC2 instance.
        attributes={
            "instanceId": instance_id,
            "instanceType": item.get("InstanceType"),
            "instanceState": item.get("State", {}).get("Name"),
            "ami": item.get("ImageId"),
            "publicIp": item.get("PublicIpAddress"),
            "privateIp": item.get("PrivateIpAddress"),
            "privateDns": item.get("PrivateDnsName"),
            "launchDate": launch.isoformat() if launch else None,
            "owner": where.account_id,
            "monitoringState": item.get("Monitoring", {}).get("State"),
        },
        relationships=relationships,
        created_time=launch,
    )


INSTANCES = ResourceSpec(
    type_code="DEVICE",
    title="EC2 instance",
    service=EC2,
    # MaxResults keeps DescribeInstances in the cheaper paginated throttling bucket.
    list_call=Call(
        "DescribeInstances", {"MaxResults": 1000}, result_path="Reservations[].Instances[]"
    ),
    normalise=_instance,
    cfn_type="AWS::EC2::Instance",
)

TYPES: tuple[ResourceSpec, ...] = (INSTANCES,)
