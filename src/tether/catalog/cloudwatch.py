"""Amazon CloudWatch alarms, metric and composite."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import tag_map
from tether.catalog.services import CLOUDWATCH
from tether.domain.resources import ResourceRecord

# What a metric dimension names, as (type code, ARN builder from partition, region,
# account and the dimension's value).
_ArnOf = Callable[[str, str, str, str], str]
_DIMENSIONS: dict[str, tuple[str, _ArnOf]] = {
    "InstanceId": ("DEVICE", lambda p, r, a, v: f"arn:{p}:ec2:{r}:{a}:instance/{v}"),
    # ALB/NLB/GWLB: "app/name/id"; their target groups: "targetgroup/name/id".
    "LoadBalancer": (
        "AWS_LOAD_BALANCER_V2",
        lambda p, r, a, v: f"arn:{p}:elasticloadbalancing:{r}:{a}:loadbalancer/{v}",
    ),
    "TargetGroup": (
        "AWS_TARGET_GROUP",
        lambda p, r, a, v: f"arn:{p}:elasticloadbalancing:{r}:{a}:{v}",
    ),
    "LoadBalancerName": (
        "LOAD_BALANCER",
        lambda p, r, a, v: f"arn:{p}:elasticloadbalancing:{r}:{a}:loadbalancer/{v}",
    ),
    "DBInstanceIdentifier": ("RDS", lambda p, r, a, v: f"arn:{p}:rds:{r}:{a}:db:{v}"),
    "FunctionName": ("LAMBDA", lambda p, r, a, v: f"arn:{p}:lambda:{r}:{a}:function:{v}"),
    "TableName": ("DYNAMO_DB", lambda p, r, a, v: f"arn:{p}:dynamodb:{r}:{a}:table/{v}"),
    "QueueName": ("SQS", lambda p, r, a, v: f"arn:{p}:sqs:{r}:{a}:{v}"),
}


def _dimensions(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The alarm's own dimensions and those of its metric-math metrics."""
    found = list(item.get("Dimensions") or [])
    for query in item.get("Metrics") or []:
        metric = (query.get("MetricStat") or {}).get("Metric") or {}
        found += metric.get("Dimensions") or []
    return found


def _relationships(item: dict[str, Any], where: Where) -> list[dict[str, str]]:
    links: set[tuple[str, str]] = set()
    for dimension in _dimensions(item):
        target = _DIMENSIONS.get(str(dimension.get("Name")))
        if target and dimension.get("Value"):
            code, arn_of = target
            value = str(dimension["Value"])
            links.add((code, arn_of(where.partition, where.region, where.account_id, value)))
    actions = [
        *(item.get("AlarmActions") or []),
        *(item.get("OKActions") or []),
        *(item.get("InsufficientDataActions") or []),
    ]
    links.update(("SNS", arn) for arn in actions if str(arn).split(":")[2:3] == ["sns"])
    return [{"type": code, "arn": arn} for code, arn in sorted(links)]


def _alarm(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    composite = "AlarmRule" in item
    state = item.get("StateValue")
    return ResourceRecord(
        arn=item["AlarmArn"],
        resource_type="AWS_CLOUDWATCH_ALARM",
        name=tags.get("Name") or item["AlarmName"],
        account_id=where.account_id,
        region=where.region,
        state=state,
        tags=tags,
        attributes={
            "alarmName": item["AlarmName"],
            "alarmType": "CompositeAlarm" if composite else "MetricAlarm",
            "description": item.get("AlarmDescription") or None,
            "alarmRule": item.get("AlarmRule"),
            "namespace": item.get("Namespace"),
            "metricName": item.get("MetricName"),
            "dimensions": {
                str(d["Name"]): str(d.get("Value")) for d in item.get("Dimensions") or []
            },
            "statistic": item.get("Statistic") or item.get("ExtendedStatistic"),
            "period": item.get("Period"),
            "evaluationPeriods": item.get("EvaluationPeriods"),
            "datapointsToAlarm": item.get("DatapointsToAlarm"),
            "threshold": item.get("Threshold"),
            "comparisonOperator": item.get("ComparisonOperator"),
            "treatMissingData": item.get("TreatMissingData"),
            "actionsEnabled": item.get("ActionsEnabled"),
            "alarmActions": sorted(item.get("AlarmActions") or []),
            "okActions": sorted(item.get("OKActions") or []),
            "insufficientDataActions": sorted(item.get("InsufficientDataActions") or []),
        },
        relationships=_relationships(item, where),
    )


ALARMS = ResourceSpec(
    type_code="AWS_CLOUDWATCH_ALARM",
    title="CloudWatch alarm",
    service=CLOUDWATCH,
    # Without AlarmTypes, DescribeAlarms answers metric alarms only.
    list_call=Call(
        "DescribeAlarms",
        {"MaxRecords": 100, "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]},
        result_path="[MetricAlarms, CompositeAlarms][]",
    ),
    normalise=_alarm,
    cfn_type="AWS::CloudWatch::Alarm",
    enrich=(
        per_item(
            Call("ListTagsForResource", result_path="Tags"),
            lambda item: {"ResourceARN": item["AlarmArn"]},
            into="Tags",
            gone=frozenset({"ResourceNotFoundException"}),
        ),
    ),
    tag_source="ListTagsForResource",
)

TYPES: tuple[ResourceSpec, ...] = (ALARMS,)
