"""Amazon EC2 resource types: instances, volumes and the network they live in.

Also the ARN and relationship helpers the other compute modules share: most AWS answers
name EC2 resources by id only, and a relationship needs the target's full ARN.
"""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where
from tether.catalog.common import as_datetime, ec2_arn, ec2_links, iso, network_links, tag_map
from tether.catalog.services import EC2
from tether.domain.resources import ResourceRecord

# MaxResults keeps the Describe calls in EC2's cheaper paginated throttling bucket.
PAGE = {"MaxResults": 1000}


def _named(tags: dict[str, str], natural: str) -> str:
    return tags.get("Name") or natural


def _instance(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    instance_id = item["InstanceId"]
    state = item.get("State", {}).get("Name")
    launch = as_datetime(item.get("LaunchTime"))
    volumes = [m["Ebs"]["VolumeId"] for m in item.get("BlockDeviceMappings", []) if "Ebs" in m]
    groups = [group["GroupId"] for group in item.get("SecurityGroups", [])]
    return ResourceRecord(
        arn=ec2_arn(where, "instance", instance_id),
        resource_type="DEVICE",
        name=_named(tags, instance_id),
        account_id=where.account_id,
        region=where.region,
        zone=item.get("Placement", {}).get("AvailabilityZone"),
        state=state,
        tags=tags,
        # The attributes OpsRamp shows for an EC2 instance.
        attributes={
            "instanceId": instance_id,
            "instanceType": item.get("InstanceType"),
            "instanceState": state,
            "ami": item.get("ImageId"),
            "publicIp": item.get("PublicIpAddress"),
            "privateIp": item.get("PrivateIpAddress"),
            "privateDns": item.get("PrivateDnsName"),
            "launchDate": iso(launch),
            "owner": where.account_id,
            "monitoringState": item.get("Monitoring", {}).get("State"),
        },
        relationships=[
            *network_links(where, item.get("VpcId"), [item.get("SubnetId")], groups),
            *ec2_links(where, "EBS", "volume", volumes),
        ],
        created_time=launch,
    )


def _volume(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    volume_id = item["VolumeId"]
    instances = [attachment.get("InstanceId") for attachment in item.get("Attachments", [])]
    return ResourceRecord(
        arn=ec2_arn(where, "volume", volume_id),
        resource_type="EBS",
        name=_named(tags, volume_id),
        account_id=where.account_id,
        region=where.region,
        zone=item.get("AvailabilityZone"),
        state=item.get("State"),
        tags=tags,
        attributes={
            "volumeId": volume_id,
            "size": item.get("Size"),
            "volumeType": item.get("VolumeType"),
            "iops": item.get("Iops"),
            "throughput": item.get("Throughput"),
            "encrypted": item.get("Encrypted"),
            "snapshotId": item.get("SnapshotId") or None,
            "multiAttachEnabled": item.get("MultiAttachEnabled"),
        },
        relationships=ec2_links(where, "DEVICE", "instance", instances),
        created_time=as_datetime(item.get("CreateTime")),
    )


def _vpc(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    vpc_id = item["VpcId"]
    return ResourceRecord(
        arn=ec2_arn(where, "vpc", vpc_id),
        resource_type="AWS_VPC",
        name=_named(tags, vpc_id),
        account_id=where.account_id,
        region=where.region,
        state=item.get("State"),
        tags=tags,
        attributes={
            "vpcId": vpc_id,
            "cidrBlock": item.get("CidrBlock"),
            "isDefault": item.get("IsDefault"),
            "instanceTenancy": item.get("InstanceTenancy"),
            "dhcpOptionsId": item.get("DhcpOptionsId"),
        },
    )


def _subnet(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    subnet_id = item["SubnetId"]
    # No available-address count: it moves with every interface and is not a change.
    return ResourceRecord(
        arn=item.get("SubnetArn") or ec2_arn(where, "subnet", subnet_id),
        resource_type="AWS_SUBNET",
        name=_named(tags, subnet_id),
        account_id=where.account_id,
        region=where.region,
        zone=item.get("AvailabilityZone"),
        state=item.get("State"),
        tags=tags,
        attributes={
            "subnetId": subnet_id,
            "cidrBlock": item.get("CidrBlock"),
            "availabilityZoneId": item.get("AvailabilityZoneId"),
            "defaultForAz": item.get("DefaultForAz"),
            "mapPublicIpOnLaunch": item.get("MapPublicIpOnLaunch"),
        },
        relationships=network_links(where, item.get("VpcId")),
    )


def _security_group(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    group_id = item["GroupId"]
    return ResourceRecord(
        arn=item.get("SecurityGroupArn") or ec2_arn(where, "security-group", group_id),
        resource_type="AWS_SECURITY_GROUP",
        name=_named(tags, item.get("GroupName") or group_id),
        account_id=where.account_id,
        region=where.region,
        tags=tags,
        attributes={
            "groupId": group_id,
            "groupName": item.get("GroupName"),
            "description": item.get("Description"),
            "inboundRules": len(item.get("IpPermissions", [])),
            "outboundRules": len(item.get("IpPermissionsEgress", [])),
        },
        relationships=network_links(where, item.get("VpcId")),
    )


def _nat_gateway(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    gateway_id = item["NatGatewayId"]
    addresses = item.get("NatGatewayAddresses", [])
    primary = next((a for a in addresses if a.get("IsPrimary")), addresses[0] if addresses else {})
    return ResourceRecord(
        arn=ec2_arn(where, "natgateway", gateway_id),
        resource_type="AWS_NAT_GATEWAY",
        name=_named(tags, gateway_id),
        account_id=where.account_id,
        region=where.region,
        state=item.get("State"),
        tags=tags,
        attributes={
            "natGatewayId": gateway_id,
            "connectivityType": item.get("ConnectivityType"),
            "publicIp": primary.get("PublicIp"),
            "privateIp": primary.get("PrivateIp"),
        },
        relationships=network_links(where, item.get("VpcId"), [item.get("SubnetId")]),
        created_time=as_datetime(item.get("CreateTime")),
    )


INSTANCES = ResourceSpec(
    type_code="DEVICE",
    title="EC2 instance",
    service=EC2,
    list_call=Call("DescribeInstances", PAGE, result_path="Reservations[].Instances[]"),
    normalise=_instance,
    cfn_type="AWS::EC2::Instance",
)
VOLUMES = ResourceSpec(
    type_code="EBS",
    title="EBS volume",
    service=EC2,
    list_call=Call("DescribeVolumes", PAGE, result_path="Volumes"),
    normalise=_volume,
    cfn_type="AWS::EC2::Volume",
)
VPCS = ResourceSpec(
    type_code="AWS_VPC",
    title="VPC",
    service=EC2,
    list_call=Call("DescribeVpcs", PAGE, result_path="Vpcs"),
    normalise=_vpc,
    cfn_type="AWS::EC2::VPC",
)
SUBNETS = ResourceSpec(
    type_code="AWS_SUBNET",
    title="VPC subnet",
    service=EC2,
    list_call=Call("DescribeSubnets", PAGE, result_path="Subnets"),
    normalise=_subnet,
    cfn_type="AWS::EC2::Subnet",
)
SECURITY_GROUPS = ResourceSpec(
    type_code="AWS_SECURITY_GROUP",
    title="EC2 security group",
    service=EC2,
    list_call=Call("DescribeSecurityGroups", PAGE, result_path="SecurityGroups"),
    normalise=_security_group,
    cfn_type="AWS::EC2::SecurityGroup",
)
NAT_GATEWAYS = ResourceSpec(
    type_code="AWS_NAT_GATEWAY",
    title="NAT gateway",
    service=EC2,
    list_call=Call("DescribeNatGateways", PAGE, result_path="NatGateways"),
    normalise=_nat_gateway,
    cfn_type="AWS::EC2::NatGateway",
)

TYPES: tuple[ResourceSpec, ...] = (
    INSTANCES,
    VOLUMES,
    VPCS,
    SUBNETS,
    SECURITY_GROUPS,
    NAT_GATEWAYS,
)
