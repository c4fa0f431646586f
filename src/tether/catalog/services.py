"""The AWS services Tether reads, each with the harmless call that proves access to it.

The probe is the permission matrix's question "may Tether read this service here?": a
list call asking for the smallest page, so it costs one cheap request per service.
"""

from __future__ import annotations

from tether.catalog.base import Call, Service


def _svc(
    client: str, prefix: str, title: str, operation: str, is_global: bool = False, **params: object
) -> Service:
    return Service(client, prefix, title, Call(operation, params), is_global=is_global)


EC2 = _svc("ec2", "ec2", "Amazon EC2", "DescribeInstances", MaxResults=5)
ELB = _svc(
    "elb", "elasticloadbalancing", "Classic Load Balancing", "DescribeLoadBalancers", PageSize=1
)
ELBV2 = _svc(
    "elbv2",
    "elasticloadbalancing",
    "Elastic Load Balancing v2",
    "DescribeLoadBalancers",
    PageSize=1,
)
AUTOSCALING = _svc(
    "autoscaling", "autoscaling", "EC2 Auto Scaling", "DescribeAutoScalingGroups", MaxRecords=1
)
LAMBDA = _svc("lambda", "lambda", "AWS Lambda", "ListFunctions", MaxItems=1)
ECS = _svc("ecs", "ecs", "Amazon ECS", "ListClusters", maxResults=1)
EKS = _svc("eks", "eks", "Amazon EKS", "ListClusters", maxResults=1)
RDS = _svc("rds", "rds", "Amazon RDS", "DescribeDBInstances", MaxRecords=20)
DYNAMODB = _svc("dynamodb", "dynamodb", "Amazon DynamoDB", "ListTables", Limit=1)
ELASTICACHE = _svc(
    "elasticache", "elasticache", "Amazon ElastiCache", "DescribeCacheClusters", MaxRecords=20
)
REDSHIFT = _svc("redshift", "redshift", "Amazon Redshift", "DescribeClusters", MaxRecords=20)
S3 = Service(
    "s3", "s3", "Amazon S3", Call("ListBuckets", iam_action="s3:ListAllMyBuckets"), is_global=True
)
EFS = _svc("efs", "elasticfilesystem", "Amazon EFS", "DescribeFileSystems", MaxItems=1)
SNS = _svc("sns", "sns", "Amazon SNS", "ListTopics")
SQS = _svc("sqs", "sqs", "Amazon SQS", "ListQueues", MaxResults=1)
KINESIS = _svc("kinesis", "kinesis", "Amazon Kinesis Data Streams", "ListStreams", Limit=1)
FIREHOSE = _svc("firehose", "firehose", "Amazon Data Firehose", "ListDeliveryStreams", Limit=1)
# API Gateway's IAM actions are HTTP verbs on resource paths, not operation names.
APIGATEWAY = Service(
    "apigateway",
    "apigateway",
    "Amazon API Gateway (REST)",
    Call("GetRestApis", {"limit": 1}, iam_action="apigateway:GET"),
)
APIGATEWAYV2 = Service(
    "apigatewayv2",
    "apigateway",
    "Amazon API Gateway (HTTP, WebSocket)",
    Call("GetApis", {"MaxResults": "1"}, iam_action="apigateway:GET"),
)
CLOUDFRONT = _svc(
    "cloudfront",
    "cloudfront",
    "Amazon CloudFront",
    "ListDistributions",
    is_global=True,
    MaxItems="1",
)
ROUTE53 = _svc(
    "route53", "route53", "Amazon Route 53", "ListHostedZones", is_global=True, MaxItems="1"
)
IAM = _svc("iam", "iam", "AWS IAM", "ListRoles", is_global=True, MaxItems=1)
KMS = _svc("kms", "kms", "AWS KMS", "ListKeys", Limit=1)
SECRETSMANAGER = _svc(
    "secretsmanager", "secretsmanager", "AWS Secrets Manager", "ListSecrets", MaxResults=1
)
STEPFUNCTIONS = _svc(
    "stepfunctions", "states", "AWS Step Functions", "ListStateMachines", maxResults=1
)
EVENTBRIDGE = _svc("events", "events", "Amazon EventBridge", "ListEventBuses", Limit=1)
CLOUDWATCH = _svc("cloudwatch", "cloudwatch", "Amazon CloudWatch", "DescribeAlarms", MaxRecords=1)
ECR = _svc("ecr", "ecr", "Amazon ECR", "DescribeRepositories", maxResults=1)
GLUE = _svc("glue", "glue", "AWS Glue", "GetJobs", MaxResults=1)
SAGEMAKER = _svc("sagemaker", "sagemaker", "Amazon SageMaker", "ListEndpoints", MaxResults=1)
BEANSTALK = _svc(
    "elasticbeanstalk",
    "elasticbeanstalk",
    "AWS Elastic Beanstalk",
    "DescribeEnvironments",
    MaxRecords=1,
)
OPENSEARCH = _svc("opensearch", "es", "Amazon OpenSearch Service", "ListDomainNames")
MSK = _svc("kafka", "kafka", "Amazon MSK", "ListClustersV2", MaxResults=1)
MQ = _svc("mq", "mq", "Amazon MQ", "ListBrokers", MaxResults=1)
COGNITO = _svc(
    "cognito-idp", "cognito-idp", "Amazon Cognito user pools", "ListUserPools", MaxResults=1
)

SERVICES: tuple[Service, ...] = (
    EC2, ELB, ELBV2, AUTOSCALING, LAMBDA, ECS, EKS, RDS, DYNAMODB, ELASTICACHE, REDSHIFT, S3,
    EFS, SNS, SQS, KINESIS, FIREHOSE, APIGATEWAY, APIGATEWAYV2, CLOUDFRONT, ROUTE53, IAM, KMS,
    SECRETSMANAGER, STEPFUNCTIONS, EVENTBRIDGE, CLOUDWATCH, ECR, GLUE, SAGEMAKER, BEANSTALK,
    OPENSEARCH, MSK, MQ, COGNITO,
)  # fmt: skip

# Calls of onboarding itself rather than of any resource type.
DESCRIBE_REGIONS = Call("DescribeRegions", {"AllRegions": True})
REGION_CHECK = Call("DescribeAvailabilityZones")  # the one cheap read per selected region
LIST_ACCOUNTS = Call("ListAccounts", result_path="Accounts")
LIST_PARENTS = Call("ListParents", result_path="Parents")
DESCRIBE_ORGANIZATION = Call("DescribeOrganization")
ORGANIZATION_CALLS = (DESCRIBE_ORGANIZATION, LIST_ACCOUNTS, LIST_PARENTS)
