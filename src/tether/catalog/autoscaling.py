"""EC2 Auto Scaling groups."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where
from tether.catalog.common import as_datetime, ec2_links, links, tag_map
from tether.catalog.elb import classic_lb_arn
from tether.catalog.services import AUTOSCALING
from tether.domain.resources import ResourceRecord


def _launch_source(item: dict[str, Any]) -> dict[str, Any]:
    """Where instances come from: a launch template, a mixed policy, or a configuration."""
    template = item.get("LaunchTemplate") or (
        item.get("MixedInstancesPolicy", {})
        .get("LaunchTemplate", {})
        .get("LaunchTemplateSpecification")
    )
    if template:
        return {
            "launchTemplateId": template.get("LaunchTemplateId"),
            "launchTemplateName": template.get("LaunchTemplateName"),
            "launchTemplateVersion": template.get("Version"),
        }
    return {"launchConfigurationName": item.get("LaunchConfigurationName")}


def _group(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    name = item["AutoScalingGroupName"]
    subnets = [s.strip() for s in (item.get("VPCZoneIdentifier") or "").split(",") if s.strip()]
    instances = [instance.get("InstanceId") for instance in item.get("Instances", [])]
    return ResourceRecord(
        arn=item["AutoScalingGroupARN"],
        resource_type="AUTO_SCALING",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        # Set only while the group is being deleted ("Delete in progress").
        state=item.get("Status"),
        tags=tags,
        attributes={
            "autoScalingGroupName": name,
            "minSize": item.get("MinSize"),
            "maxSize": item.get("MaxSize"),
            "desiredCapacity": item.get("DesiredCapacity"),
            "healthCheckType": item.get("HealthCheckType"),
            "availabilityZones": sorted(item.get("AvailabilityZones", [])),
            **_launch_source(item),
        },
        relationships=[
            *ec2_links(where, "AWS_SUBNET", "subnet", subnets),
            *links("AWS_TARGET_GROUP", item.get("TargetGroupARNs", [])),
            *links(
                "LOAD_BALANCER",
                (classic_lb_arn(where, lb) for lb in item.get("LoadBalancerNames", [])),
            ),
            *ec2_links(where, "DEVICE", "instance", instances),
        ],
        created_time=as_datetime(item.get("CreatedTime")),
    )


GROUPS = ResourceSpec(
    type_code="AUTO_SCALING",
    title="Auto Scaling group",
    service=AUTOSCALING,
    list_call=Call(
        "DescribeAutoScalingGroups", {"MaxRecords": 100}, result_path="AutoScalingGroups"
    ),
    normalise=_group,
    cfn_type="AWS::AutoScaling::AutoScalingGroup",
)

TYPES: tuple[ResourceSpec, ...] = (GROUPS,)
