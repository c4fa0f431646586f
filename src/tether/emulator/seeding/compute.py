"""Seeders of the compute and network types (see ``tether.emulator.seeding``).

They build on the base set of ``seed_resources`` (one VPC, subnet, security group and a
few instances per region) and end by recording what moto created on its own: the default
VPC with its subnets, every VPC's default security group, root volumes, and the instances
the Auto Scaling group launched. They run before the other catalog seeders: the IAM
roles Lambda and EKS need must exist when the IAM seeder lists roles.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from tether.emulator.seed_resources import RegionSeeder, SeededResource

VPC = "AWS::EC2::VPC"
SUBNET = "AWS::EC2::Subnet"
SECURITY_GROUP = "AWS::EC2::SecurityGroup"
INSTANCE = "AWS::EC2::Instance"
VOLUME = "AWS::EC2::Volume"
NAT_GATEWAY = "AWS::EC2::NatGateway"
CLASSIC_LB = "AWS::ElasticLoadBalancing::LoadBalancer"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
AUTO_SCALING_GROUP = "AWS::AutoScaling::AutoScalingGroup"
FUNCTION = "AWS::Lambda::Function"
ECS_CLUSTER = "AWS::ECS::Cluster"
ECS_SERVICE = "AWS::ECS::Service"
EKS_CLUSTER = "AWS::EKS::Cluster"

AMI = "ami-12c6146b"  # an image moto knows in every region


def _tag_list(tags: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags]


def _tag_spec(kind: str, tags: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": _tag_list(tags)}]


def _seeded(seeder: RegionSeeder, kind: str) -> list[SeededResource]:
    """What this seeder recorded of ``kind`` so far, oldest first."""
    return [r for r in seeder.found if r.resource_type == kind and r.region == seeder.region]


def _ec2_arn(seeder: RegionSeeder, kind: str, resource_id: str) -> str:
    return f"arn:aws:ec2:{seeder.region}:{seeder.account_id}:{kind}/{resource_id}"


def seed_network(seeder: RegionSeeder) -> None:
    """A second subnet (load balancers want two zones), a data volume and a NAT gateway."""
    ec2 = seeder.client("ec2")
    vpc_id = _seeded(seeder, VPC)[0].resource_id
    subnet_a = _seeded(seeder, SUBNET)[0].resource_id
    tags = [("Name", f"{seeder.prefix}-subnet-b"), *seeder.tags]
    subnet = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock="10.20.2.0/24",
        AvailabilityZone=f"{seeder.region}b",
        TagSpecifications=_tag_spec("subnet", tags),
    )["Subnet"]
    seeder.record(SUBNET, subnet["SubnetId"], _ec2_arn(seeder, "subnet", subnet["SubnetId"]), tags)
    tags = [("Name", f"{seeder.prefix}-data"), *seeder.tags]
    volume = ec2.create_volume(
        AvailabilityZone=f"{seeder.region}a",
        Size=8,
        VolumeType="gp3",
        TagSpecifications=_tag_spec("volume", tags),
    )
    seeder.record(VOLUME, volume["VolumeId"], _ec2_arn(seeder, "volume", volume["VolumeId"]), tags)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    tags = [("Name", f"{seeder.prefix}-nat"), *seeder.tags]
    gateway = ec2.create_nat_gateway(
        SubnetId=subnet_a, AllocationId=allocation, TagSpecifications=_tag_spec("natgateway", tags)
    )["NatGateway"]["NatGatewayId"]
    seeder.record(NAT_GATEWAY, gateway, _ec2_arn(seeder, "natgateway", gateway), tags)


def seed_load_balancers(seeder: RegionSeeder) -> None:
    """A Classic Load Balancer, an ALB forwarding to a target group with one registered
    instance, and an untagged NLB."""
    vpc_id = _seeded(seeder, VPC)[0].resource_id
    subnets = [r.resource_id for r in _seeded(seeder, SUBNET)]
    group = _seeded(seeder, SECURITY_GROUP)[0].resource_id
    name = f"{seeder.prefix}-classic"
    seeder.client("elb").create_load_balancer(
        LoadBalancerName=name,
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}],
        Subnets=subnets[:1],
        # With none given, moto creates a default_elb_* security group of its own.
        SecurityGroups=[group],
        Tags=_tag_list(seeder.tags),
    )
    arn = f"arn:aws:elasticloadbalancing:{seeder.region}:{seeder.account_id}:loadbalancer/{name}"
    seeder.record(CLASSIC_LB, name, arn, seeder.tags)

    elbv2 = seeder.client("elbv2")
    alb = elbv2.create_load_balancer(
        Name=f"{seeder.prefix}-alb",
        Subnets=subnets[:2],
        SecurityGroups=[group],
        Type="application",
        Tags=_tag_list(seeder.tags),
    )["LoadBalancers"][0]
    seeder.record(LOAD_BALANCER, alb["LoadBalancerName"], alb["LoadBalancerArn"], seeder.tags)
    nlb = elbv2.create_load_balancer(
        Name=f"{seeder.prefix}-nlb", Subnets=subnets[:2], Type="network"
    )["LoadBalancers"][0]
    seeder.record(LOAD_BALANCER, nlb["LoadBalancerName"], nlb["LoadBalancerArn"], [])
    target_group = elbv2.create_target_group(
        Name=f"{seeder.prefix}-web",
        Protocol="HTTP",
        Port=8080,
        VpcId=vpc_id,
        TargetType="instance",
        Tags=_tag_list(seeder.tags),
    )["TargetGroups"][0]
    group_arn = target_group["TargetGroupArn"]
    seeder.record(TARGET_GROUP, target_group["TargetGroupName"], group_arn, seeder.tags)
    instance = _seeded(seeder, INSTANCE)[0].resource_id
    elbv2.register_targets(TargetGroupArn=group_arn, Targets=[{"Id": instance, "Port": 8080}])
    elbv2.create_listener(
        LoadBalancerArn=alb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group_arn}],
    )


def seed_auto_scaling(seeder: RegionSeeder) -> None:
    """A group of one instance from a launch template, behind both load balancers. Its
    instance (and the instance's root volume) is recorded with moto's other extras."""
    name = f"{seeder.prefix}-workers"
    template = seeder.client("ec2").create_launch_template(
        LaunchTemplateName=name,
        LaunchTemplateData={
            "ImageId": AMI,
            "InstanceType": "t3.micro",
            "SecurityGroupIds": [_seeded(seeder, SECURITY_GROUP)[0].resource_id],
        },
    )["LaunchTemplate"]
    autoscaling = seeder.client("autoscaling")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"], "Version": "$Latest"},
        MinSize=1,
        MaxSize=1,
        DesiredCapacity=1,
        VPCZoneIdentifier=_seeded(seeder, SUBNET)[0].resource_id,
        TargetGroupARNs=[_seeded(seeder, TARGET_GROUP)[0].arn],
        LoadBalancerNames=[_seeded(seeder, CLASSIC_LB)[0].resource_id],
        Tags=[
            {"Key": key, "Value": value, "PropagateAtLaunch": True} for key, value in seeder.tags
        ],
    )
    # The ARN holds an id AWS assigns: only DescribeAutoScalingGroups tells it.
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])
    arn = group["AutoScalingGroups"][0]["AutoScalingGroupARN"]
    seeder.record(AUTO_SCALING_GROUP, name, arn, seeder.tags)


def _role(seeder: RegionSeeder, name: str, service: str) -> str:
    """An IAM role ``service`` may assume. IAM is global and every region of the account
    seeds at once, so whichever region comes first creates it."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }
    try:
        seeder.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "EntityAlreadyExists":
            raise
    return f"arn:aws:iam::{seeder.account_id}:role/{name}"


@cache
def _function_code() -> bytes:
    """A zip with a one-line handler (moto stores the code; it does not run it here)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def seed_functions(seeder: RegionSeeder) -> None:
    """One Lambda function in the seeded VPC, run by a role of its own."""
    role = _role(seeder, f"{seeder.prefix}-lambda-execution", "lambda.amazonaws.com")
    function = seeder.client("lambda").create_function(
        FunctionName=f"{seeder.prefix}-resize",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": _function_code()},
        VpcConfig={
            "SubnetIds": [_seeded(seeder, SUBNET)[0].resource_id],
            "SecurityGroupIds": [_seeded(seeder, SECURITY_GROUP)[0].resource_id],
        },
        Tags=dict(seeder.tags),
    )
    seeder.record(FUNCTION, function["FunctionName"], function["FunctionArn"], seeder.tags)


def seed_containers(seeder: RegionSeeder) -> None:
    """An ECS cluster with one (untagged) Fargate service, and an EKS cluster."""
    ecs = seeder.client("ecs")
    subnets = [r.resource_id for r in _seeded(seeder, SUBNET)]
    groups = [_seeded(seeder, SECURITY_GROUP)[0].resource_id]
    cluster = ecs.create_cluster(
        clusterName=f"{seeder.prefix}-apps",
        tags=[{"key": key, "value": value} for key, value in seeder.tags],
    )["cluster"]
    seeder.record(ECS_CLUSTER, cluster["clusterName"], cluster["clusterArn"], seeder.tags)
    family = f"{seeder.prefix}-web"
    ecs.register_task_definition(
        family=family,
        containerDefinitions=[{"name": "web", "image": "nginx:1.27", "memory": 512}],
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
    )
    service = ecs.create_service(
        cluster=cluster["clusterArn"],
        serviceName=f"{seeder.prefix}-web",
        taskDefinition=family,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": subnets[:1], "securityGroups": groups}
        },
    )["service"]
    seeder.record(ECS_SERVICE, service["serviceName"], service["serviceArn"], [])

    role = _role(seeder, f"{seeder.prefix}-eks-cluster", "eks.amazonaws.com")
    eks = seeder.client("eks").create_cluster(
        name=f"{seeder.prefix}-platform",
        roleArn=role,
        resourcesVpcConfig={"subnetIds": subnets[:2], "securityGroupIds": groups},
        tags=dict(seeder.tags),
    )["cluster"]
    seeder.record(EKS_CLUSTER, eks["name"], eks["arn"], seeder.tags)


def _record_unseen(
    seeder: RegionSeeder,
    kind: str,
    items: Iterable[dict[str, Any]],
    id_key: str,
    arn_of: Callable[[dict[str, Any]], str],
) -> None:
    known = {r.resource_id for r in _seeded(seeder, kind)}
    for item in items:
        if item[id_key] not in known:
            tags = [(tag["Key"], tag["Value"]) for tag in item.get("Tags") or []]
            seeder.record(kind, item[id_key], arn_of(item), tags)


def record_ec2_extras(seeder: RegionSeeder) -> None:
    """What moto made by itself: the default VPC and its subnets, every VPC's default
    security group, root volumes, and the Auto Scaling group's instance (with the tags AWS
    adds to it). Last of these seeders, so it sees all of them."""
    ec2 = seeder.client("ec2")
    page = {"MaxResults": 1000}
    _record_unseen(
        seeder,
        VPC,
        ec2.describe_vpcs(**page)["Vpcs"],
        "VpcId",
        lambda vpc: _ec2_arn(seeder, "vpc", vpc["VpcId"]),
    )
    _record_unseen(
        seeder,
        SUBNET,
        ec2.describe_subnets(**page)["Subnets"],
        "SubnetId",
        lambda subnet: _ec2_arn(seeder, "subnet", subnet["SubnetId"]),
    )
    _record_unseen(
        seeder,
        SECURITY_GROUP,
        ec2.describe_security_groups(**page)["SecurityGroups"],
        "GroupId",
        lambda group: _ec2_arn(seeder, "security-group", group["GroupId"]),
    )
    _record_unseen(
        seeder,
        VOLUME,
        ec2.describe_volumes(**page)["Volumes"],
        "VolumeId",
        lambda volume: _ec2_arn(seeder, "volume", volume["VolumeId"]),
    )
    reservations = ec2.describe_instances(**page)["Reservations"]
    _record_unseen(
        seeder,
        INSTANCE,
        (instance for reservation in reservations for instance in reservation["Instances"]),
        "InstanceId",
        lambda instance: _ec2_arn(seeder, "instance", instance["InstanceId"]),
    )


# The CloudFormation types these seeders create (ground truth must hold each).
TYPES: tuple[str, ...] = (
    VOLUME,
    NAT_GATEWAY,
    CLASSIC_LB,
    LOAD_BALANCER,
    TARGET_GROUP,
    AUTO_SCALING_GROUP,
    FUNCTION,
    ECS_CLUSTER,
    ECS_SERVICE,
    EKS_CLUSTER,
)
SEEDERS: tuple[Callable[[RegionSeeder], None], ...] = (
    seed_network,
    seed_load_balancers,
    seed_auto_scaling,
    seed_functions,
    seed_containers,
    record_ec2_extras,
)
