"""Pagination with each operation's real token names, from botocore's paginator config.

A token is the offset of the page's first item, as text. The request's limit member
(MaxResults, MaxRecords, MaxItems, Limit, ...) sets the page size; without one the page is
AWS's default for that operation, below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import botocore.session

# AWS's page size when the request gives no limit (documented defaults; "all" = 10,000).
DEFAULT_PAGE_SIZE: dict[tuple[str, str], int] = {
    ("ec2", "*"): 1000,  # Describe* without MaxResults answer everything; 1000 is the cap
    ("elb", "DescribeLoadBalancers"): 400,
    ("elbv2", "DescribeLoadBalancers"): 400,
    ("elbv2", "DescribeTargetGroups"): 400,
    ("autoscaling", "DescribeAutoScalingGroups"): 50,
    ("lambda", "ListFunctions"): 50,
    ("ecs", "*"): 100,
    ("eks", "ListClusters"): 100,
    ("rds", "*"): 100,
    ("dynamodb", "ListTables"): 100,
    ("elasticache", "DescribeCacheClusters"): 100,
    ("redshift", "DescribeClusters"): 100,
    ("s3", "ListBuckets"): 10000,
    ("efs", "DescribeFileSystems"): 100,
    ("sns", "ListTopics"): 100,
    ("sqs", "ListQueues"): 1000,
    ("kinesis", "ListStreams"): 100,
    ("firehose", "ListDeliveryStreams"): 10,
    ("opensearch", "ListDomainNames"): 10000,
    ("kafka", "ListClustersV2"): 10,
    ("mq", "ListBrokers"): 100,
    ("apigateway", "GetRestApis"): 25,
    ("apigatewayv2", "GetApis"): 100,
    ("cloudfront", "ListDistributions"): 100,
    ("route53", "ListHostedZones"): 100,
    ("iam", "*"): 100,
    ("kms", "ListKeys"): 100,
    ("secretsmanager", "ListSecrets"): 100,
    ("stepfunctions", "ListStateMachines"): 100,
    ("events", "ListEventBuses"): 100,
    ("cloudwatch", "DescribeAlarms"): 50,
    ("ecr", "DescribeRepositories"): 100,
    ("glue", "GetJobs"): 100,
    ("sagemaker", "ListEndpoints"): 10,
    ("elasticbeanstalk", "DescribeEnvironments"): 1000,
    ("cognito-idp", "ListUserPools"): 60,
    ("organizations", "*"): 20,
}
FALLBACK_PAGE_SIZE = 100
_LIMIT_KEYS = ("MaxResults", "MaxRecords", "MaxItems", "Limit", "maxResults", "limit", "PageSize")


@dataclass(frozen=True)
class Paging:
    input_token: str | None
    output_token: tuple[str, ...]  # a path: CloudFront's is DistributionList.NextMarker
    limit_key: str | None
    more_results: tuple[str, ...]
    default_size: int

    def page(self, params: dict[str, Any], total: int) -> tuple[int, int, str | None]:
        """(start, end, next token) of the page ``params`` ask for."""
        start = int(params.get(self.input_token or "", "") or 0)
        size = self.default_size
        if self.limit_key and params.get(self.limit_key) not in (None, ""):
            size = max(1, int(params[self.limit_key]))
        end = min(total, start + size)
        return start, end, str(end) if end < total else None

    def mark(self, answer: dict[str, Any], token: str | None) -> None:
        """Put the next token (and IsTruncated) where botocore's paginator reads them."""
        if token is not None and self.output_token:
            _put(answer, self.output_token, token)
        if self.more_results:
            _put(answer, self.more_results, token is not None)


def _put(answer: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        answer = answer.setdefault(key, {})
    answer[path[-1]] = value


def default_page_size(service: str, operation: str) -> int:
    return DEFAULT_PAGE_SIZE.get(
        (service, operation), DEFAULT_PAGE_SIZE.get((service, "*"), FALLBACK_PAGE_SIZE)
    )


def paging_for(service: str, operation: str) -> Paging:
    session = botocore.session.get_session()
    size = default_page_size(service, operation)
    try:
        config = session.get_paginator_model(service).get_paginator(operation)
    except ValueError:
        config = None
    if config is not None:
        output = config["output_token"]
        output = output[0] if isinstance(output, list) else output
        more = config.get("more_results")
        input_token = config["input_token"]
        return Paging(
            input_token[0] if isinstance(input_token, list) else input_token,
            tuple(output.split(" || ")[0].split(".")),
            config.get("limit_key"),
            tuple(more.split(".")) if more else (),
            size,
        )
    model = session.get_service_model(service).operation_model(operation)
    members = model.input_shape.members if model.input_shape else {}
    if "NextToken" in members:
        limit = next((key for key in _LIMIT_KEYS if key in members), None)
        return Paging("NextToken", ("NextToken",), limit, (), size)
    return Paging(None, (), None, (), 10_000)
