"""Look-ups over the whole catalog; the generated IAM policy is built from here."""

from __future__ import annotations

from tether.catalog import (
    apigateway,
    apigatewayv2,
    autoscaling,
    awslambda,
    cloudfront,
    cloudwatch,
    cognito,
    dynamodb,
    ec2,
    ecr,
    ecs,
    efs,
    eks,
    elasticache,
    elasticbeanstalk,
    elb,
    elbv2,
    events,
    firehose,
    glue,
    iam,
    kafka,
    kinesis,
    kms,
    mq,
    opensearch,
    rds,
    redshift,
    route53,
    s3,
    sagemaker,
    secretsmanager,
    sns,
    sqs,
    stepfunctions,
)
from tether.catalog.base import ResourceSpec, Service
from tether.catalog.services import (
    DESCRIBE_REGIONS,
    EC2,
    ORGANIZATION_CALLS,
    REGION_CHECK,
    SERVICES,
)

# One module per AWS service; each lists its types in ``TYPES``.
_MODULES = (
    ec2, elb, elbv2, autoscaling, awslambda, ecs, eks, rds, dynamodb, elasticache, redshift,
    s3, efs, sns, sqs, kinesis, firehose, opensearch, kafka, mq, apigateway, apigatewayv2,
    cloudfront, route53, iam, kms, secretsmanager, stepfunctions, events, cloudwatch, ecr,
    glue, sagemaker, elasticbeanstalk, cognito,
)  # fmt: skip

RESOURCE_TYPES: tuple[ResourceSpec, ...] = tuple(
    spec for module in _MODULES for spec in module.TYPES
)
_BY_CODE = {spec.type_code: spec for spec in RESOURCE_TYPES}


def services() -> tuple[Service, ...]:
    return SERVICES


def type_codes() -> frozenset[str]:
    return frozenset(_BY_CODE)


def iam_actions() -> list[str]:
    """Every IAM action Tether calls, sorted: the permission policy's Action list."""
    actions = {service.probe_action for service in SERVICES}
    for spec in RESOURCE_TYPES:
        actions |= spec.iam_actions
    actions |= {DESCRIBE_REGIONS.action(EC2.iam_prefix), REGION_CHECK.action(EC2.iam_prefix)}
    actions |= {call.action("organizations") for call in ORGANIZATION_CALLS}
    return sorted(actions)


def resource_type(type_code: str) -> ResourceSpec | None:
    return _BY_CODE.get(type_code)
