"""Which Tether resource types Cloud Custodian (c7n) enumerates the same way, and how one
resource of either tool reduces to the same natural id.

A Tether type maps to c7n resources only when c7n lists the same thing with the same list
operation (``ResourceSpec.list_call.operation`` = the botocore name of c7n's
``enum_spec``); ``c7n_aws_resources.json`` (written by ``extract.py`` from the pinned c7n)
is what the tests check that against.

Natural id: the item field c7n reads (``C7nType.id_field``) and, on Tether's side, the
row's ARN. ``"arn"`` ids (the field holds the ARN AWS returned) compare whole ARNs;
``"last"`` ids compare the ARN's last segment (after the last ``/`` or ``:``) with the last
segment of c7n's field (``i-0abc``, ``/hostedzone/Z123`` -> ``Z123``, a function name).
Types whose ARN does not end in their name (Secrets Manager adds six random characters, ECR
and Beanstalk names may hold ``/``) use the ARN.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

C7N_RESOURCES_FILE = Path(__file__).with_name("c7n_aws_resources.json")
IdKind = Literal["arn", "last"]


@dataclass(frozen=True)
class C7nType:
    resources: tuple[str, ...]  # c7n resource names; their findings are united
    id_field: str  # the field of a c7n resource that holds the natural id
    id_kind: IdKind = "last"


C7N_TYPES: dict[str, C7nType] = {
    "DEVICE": C7nType(("aws.ec2",), "InstanceId"),
    "EBS": C7nType(("aws.ebs",), "VolumeId"),
    "AWS_VPC": C7nType(("aws.vpc",), "VpcId"),
    "AWS_SUBNET": C7nType(("aws.subnet",), "SubnetId"),
    "AWS_SECURITY_GROUP": C7nType(("aws.security-group",), "GroupId"),
    "AWS_NAT_GATEWAY": C7nType(("aws.nat-gateway",), "NatGatewayId"),
    "LOAD_BALANCER": C7nType(("aws.elb",), "LoadBalancerName"),
    "AWS_LOAD_BALANCER_V2": C7nType(("aws.app-elb",), "LoadBalancerArn", "arn"),
    "AWS_TARGET_GROUP": C7nType(("aws.app-elb-target-group",), "TargetGroupArn", "arn"),
    "AUTO_SCALING": C7nType(("aws.asg",), "AutoScalingGroupName"),
    "LAMBDA": C7nType(("aws.lambda",), "FunctionName"),
    "ECS_CLUSTER": C7nType(("aws.ecs",), "clusterArn", "arn"),
    "AWS_ECS_SERVICE": C7nType(("aws.ecs-service",), "serviceArn", "arn"),
    "AWS_EKS_CLUSTER": C7nType(("aws.eks",), "name"),
    "RDS": C7nType(("aws.rds",), "DBInstanceIdentifier"),
    "AWS_RDS_CLUSTER": C7nType(("aws.rds-cluster",), "DBClusterIdentifier"),
    "DYNAMO_DB": C7nType(("aws.dynamodb-table",), "TableName"),
    "ELASTICACHE": C7nType(("aws.cache-cluster",), "CacheClusterId"),
    "REDSHIFT": C7nType(("aws.redshift",), "ClusterIdentifier"),
    "AWS_S3_BUCKET": C7nType(("aws.s3",), "Name"),
    "AWS_EFS": C7nType(("aws.efs",), "FileSystemId"),
    "SNS": C7nType(("aws.sns",), "TopicArn", "arn"),
    "KINESIS": C7nType(("aws.kinesis",), "StreamName"),
    "KINESIS_FIREHOSE": C7nType(("aws.firehose",), "DeliveryStreamName"),
    # c7n calls it through boto3's "es" client, Tether through "opensearch": both models
    # sign for "es" and send the same ListDomainNames request.
    "ES_SERVICE": C7nType(("aws.elasticsearch",), "DomainName"),
    "AWS_MSK_CLUSTER": C7nType(("aws.kafka",), "ClusterArn", "arn"),
    "AWS_MQ_BROKER": C7nType(("aws.message-broker",), "BrokerId"),
    "API_GATEWAY": C7nType(("aws.rest-api",), "id"),
    "AWS_API_GATEWAY_V2": C7nType(("aws.apigwv2",), "ApiId"),
    "CLOUDFRONT": C7nType(("aws.distribution",), "Id"),
    "AWS_HOSTED_ZONE": C7nType(("aws.hostedzone",), "Id"),
    "AWS_IAM_ROLE": C7nType(("aws.iam-role",), "RoleName"),
    "AWS_IAM_USER": C7nType(("aws.iam-user",), "UserName"),
    "AWS_KMS_KEY": C7nType(("aws.kms-key",), "KeyId"),
    "AWS_SECRETS_MANAGER_SECRET": C7nType(("aws.secrets-manager",), "ARN", "arn"),
    "AWS_STEP_FUNCTIONS_STATE_MACHINE": C7nType(("aws.step-machine",), "stateMachineArn", "arn"),
    "AWS_EVENT_BRIDGE_BUS": C7nType(("aws.event-bus",), "Name"),
    # Tether reads metric and composite alarms from one DescribeAlarms; c7n has a resource
    # for each (the composite one asks again with AlarmTypes=[CompositeAlarm]).
    "AWS_CLOUDWATCH_ALARM": C7nType(("aws.alarm", "aws.composite-alarm"), "AlarmName"),
    "AWS_ECR_REPOSITORY": C7nType(("aws.ecr",), "repositoryArn", "arn"),
    "AWS_GLUE_JOBS": C7nType(("aws.glue-job",), "Name"),
    "AWS_SAGEMAKER_ENDPOINT": C7nType(("aws.sagemaker-endpoint",), "EndpointArn", "arn"),
    "BEAN_STALK": C7nType(("aws.elasticbeanstalk-environment",), "EnvironmentArn", "arn"),
    "AWS_COGNITO_USER_POOL": C7nType(("aws.user-pool",), "Id"),
}

# Tether types left out of the side-by-side run, and why.
NO_C7N_EQUIVALENT: dict[str, str] = {
    "SQS": "c7n's aws.sqs sets endpoint_url=https://sqs.<region>.amazonaws.com on its client, "
    "ignoring AWS_ENDPOINT_URL, so it cannot be pointed at a bench endpoint",
}

# Where the two catalogs name one AWS API differently (boto3 client names).
SERVICE_ALIASES = {"opensearch": "es"}


def natural_id_of_arn(arn: str, kind: IdKind) -> str:
    """A Tether row's natural id, from its ARN."""
    return arn if kind == "arn" else last_segment(arn)


def natural_id_of_c7n(resource: dict[str, Any], c7n_type: C7nType) -> str:
    """A c7n resource's natural id (``KeyError`` if c7n's item lacks the field)."""
    value = str(resource[c7n_type.id_field])
    return value if c7n_type.id_kind == "arn" else last_segment(value)


def last_segment(value: str) -> str:
    """After the last ``/``, or else after the last ``:``."""
    if "/" in value:
        return value.rsplit("/", 1)[-1]
    return value.rsplit(":", 1)[-1]


def policy_name(c7n_resource: str) -> str:
    """The policy that lists one c7n resource: ``aws.app-elb`` -> ``list-app-elb``."""
    return "list-" + c7n_resource.removeprefix("aws.")


def type_of_policy(name: str) -> str:
    """The Tether type code a policy named by ``policy_name`` counts towards."""
    resource = "aws." + name.removeprefix("list-")
    for code, c7n_type in C7N_TYPES.items():
        if resource in c7n_type.resources:
            return code
    raise KeyError(name)


def global_types() -> frozenset[str]:
    """Tether types listed once per account (IAM, S3 ListBuckets, CloudFront, Route 53)."""
    from tether.catalog.registry import RESOURCE_TYPES

    return frozenset(spec.type_code for spec in RESOURCE_TYPES if spec.service.is_global)


@cache
def c7n_catalog() -> dict[str, dict[str, Any]]:
    """What the pinned c7n says of its AWS resources (see ``extract.py``)."""
    data: dict[str, dict[str, Any]] = json.loads(C7N_RESOURCES_FILE.read_text())["resources"]
    return data
