"""AWS Elastic Beanstalk environments (terminated ones are left out)."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, tag_map
from tether.catalog.services import BEANSTALK
from tether.domain.resources import ResourceRecord


def _environment(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    name = item["EnvironmentName"]
    application = item.get("ApplicationName")
    tier = item.get("Tier") or {}
    status = item.get("Status")
    arn = item.get("EnvironmentArn") or (
        f"arn:{where.partition}:elasticbeanstalk:{where.region}:{where.account_id}:"
        f"environment/{application}/{name}"
    )
    return ResourceRecord(
        arn=arn,
        resource_type="BEAN_STALK",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        state=status,
        tags=tags,
        attributes={
            "environmentName": name,
            "environmentId": item.get("EnvironmentId") or None,
            "applicationName": application,
            "description": item.get("Description") or None,
            "versionLabel": item.get("VersionLabel"),
            "solutionStackName": item.get("SolutionStackName"),
            "platformArn": item.get("PlatformArn"),
            "tier": tier.get("Name"),
            "health": item.get("Health"),
            "healthStatus": item.get("HealthStatus"),
            "cname": item.get("CNAME") or None,
            "endpointUrl": item.get("EndpointURL") or None,
        },
        created_time=as_datetime(item.get("DateCreated")),
    )


ENVIRONMENTS = ResourceSpec(
    type_code="BEAN_STALK",
    title="Elastic Beanstalk environment",
    service=BEANSTALK,
    list_call=Call(
        "DescribeEnvironments",
        {"MaxRecords": 1000, "IncludeDeleted": False},
        result_path="Environments",
    ),
    normalise=_environment,
    cfn_type="AWS::ElasticBeanstalk::Environment",
    enrich=(
        per_item(
            Call("ListTagsForResource", result_path="ResourceTags"),
            lambda item: {"ResourceArn": item["EnvironmentArn"]},
            into="Tags",
            gone=frozenset({"ResourceNotFoundException"}),
        ),
    ),
    tag_source="ListTagsForResource",
)

TYPES: tuple[ResourceSpec, ...] = (ENVIRONMENTS,)
