"""The calls Cloud Custodian makes beyond Tether's catalog answer the generated items."""

from __future__ import annotations

from typing import Any

import pytest
from bench.synthetic import SyntheticEndpoint
from botocore.exceptions import ClientError

from tests.bench.conftest import REGIONS, identity_in
from tether.catalog.base import Where
from tether.catalog.registry import resource_type
from tether.discovery.collector import collect


def _client(endpoint: SyntheticEndpoint, service: str, region: str = "us-east-1") -> Any:
    return identity_in(endpoint, endpoint.info["accounts"][1]).client(service, region)


def _tether_records(endpoint: SyntheticEndpoint, code: str, region: str) -> dict[str, Any]:
    account = endpoint.info["accounts"][1]
    spec = resource_type(code)
    assert spec is not None
    found = collect(identity_in(endpoint, account), spec, Where("aws", account, region))
    return {record.arn: record for record in found.records}


@pytest.mark.parametrize(
    ("code", "type_filter"),
    [
        ("DYNAMO_DB", "dynamodb:table"),
        ("LAMBDA", "lambda:function"),
        ("AWS_CLOUDWATCH_ALARM", "cloudwatch:alarm"),
        ("AWS_KMS_KEY", "kms"),
    ],
)
def test_get_resources_answers_tethers_arns_and_tags(
    synthetic: SyntheticEndpoint, code: str, type_filter: str
) -> None:
    region = REGIONS[1]
    tagging = _client(synthetic, "resourcegroupstaggingapi", region)
    mappings = []
    token = ""
    pages = 0
    while True:
        page = tagging.get_resources(
            ResourceTypeFilters=[type_filter], ResourcesPerPage=2, PaginationToken=token
        )
        mappings += page["ResourceTagMappingList"]
        pages += 1
        token = page["PaginationToken"]
        if not token:
            break
    records = _tether_records(synthetic, code, region)
    assert {m["ResourceARN"] for m in mappings} == set(records)
    assert pages == -(-len(records) // 2)
    for mapping in mappings:
        tags = {t["Key"]: t["Value"] for t in mapping["Tags"]}
        assert tags == records[mapping["ResourceARN"]].tags


def test_get_resources_serves_global_types_in_the_first_region_only(
    synthetic: SyntheticEndpoint,
) -> None:
    arns = set(_tether_records(synthetic, "CLOUDFRONT", "us-east-1"))
    home = _client(synthetic, "resourcegroupstaggingapi", "us-east-1")
    away = _client(synthetic, "resourcegroupstaggingapi", REGIONS[1])
    filters = ["cloudfront:distribution"]
    found = home.get_resources(ResourceTypeFilters=filters)["ResourceTagMappingList"]
    assert {m["ResourceARN"] for m in found} == arns
    assert away.get_resources(ResourceTypeFilters=filters)["ResourceTagMappingList"] == []


def test_elasticsearch_api_reads_the_opensearch_domains(synthetic: SyntheticEndpoint) -> None:
    es = _client(synthetic, "es")
    names = [d["DomainName"] for d in es.list_domain_names()["DomainNames"]]
    assert names == synthetic.ids(synthetic.info["accounts"][1], "us-east-1", "ES_SERVICE")
    domains = es.describe_elasticsearch_domains(DomainNames=names)["DomainStatusList"]
    assert [d["DomainName"] for d in domains] == names
    arns = set(_tether_records(synthetic, "ES_SERVICE", "us-east-1"))
    assert {d["ARN"] for d in domains} == arns
    tags = es.list_tags(ARN=domains[0]["ARN"])["TagList"]
    assert {"Key": "Owner", "Value": "platform"} in tags


def test_sns_topic_attributes_name_the_topic(synthetic: SyntheticEndpoint) -> None:
    sns = _client(synthetic, "sns")
    for topic in sns.list_topics()["Topics"]:
        attributes = sns.get_topic_attributes(TopicArn=topic["TopicArn"])["Attributes"]
        assert attributes["TopicArn"] == topic["TopicArn"]
        assert attributes["Owner"] == synthetic.info["accounts"][1]
        assert topic["TopicArn"] in attributes["Policy"]


def test_iam_get_role_and_user_answer_the_listed_item(synthetic: SyntheticEndpoint) -> None:
    iam = _client(synthetic, "iam")
    listed = iam.list_roles()["Roles"][0]
    role = iam.get_role(RoleName=listed["RoleName"])["Role"]
    assert {k: role[k] for k in ("RoleName", "RoleId", "Arn")} == {
        k: listed[k] for k in ("RoleName", "RoleId", "Arn")
    }
    listed = iam.list_users()["Users"][0]
    user = iam.get_user(UserName=listed["UserName"])["User"]
    assert (user["UserName"], user["Arn"]) == (listed["UserName"], listed["Arn"])


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("get_bucket_replication", "ReplicationConfigurationNotFoundError"),
        ("get_bucket_policy", "NoSuchBucketPolicy"),
        ("get_bucket_website", "NoSuchWebsiteConfiguration"),
        ("get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration"),
        ("get_public_access_block", "NoSuchPublicAccessBlockConfiguration"),
    ],
)
def test_s3_reads_of_absent_configuration_answer_aws_errors(
    synthetic: SyntheticEndpoint, operation: str, code: str
) -> None:
    s3 = _client(synthetic, "s3")
    bucket = s3.list_buckets()["Buckets"][0]["Name"]
    with pytest.raises(ClientError) as raised:
        getattr(s3, operation)(Bucket=bucket)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_s3_reads_of_default_configuration_answer(synthetic: SyntheticEndpoint) -> None:
    s3 = _client(synthetic, "s3")
    bucket = s3.list_buckets()["Buckets"][0]["Name"]
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert acl["Grants"][0]["Permission"] == "FULL_CONTROL"
    assert acl["Grants"][0]["Grantee"]["ID"] == acl["Owner"]["ID"]
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    with pytest.raises(ClientError) as raised:
        s3.get_bucket_policy(Bucket="not-a-generated-bucket")
    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"


def test_kinesis_list_streams_names_its_summaries(synthetic: SyntheticEndpoint) -> None:
    answer = _client(synthetic, "kinesis").list_streams()
    names = [s["StreamName"] for s in answer["StreamSummaries"]]
    assert answer["StreamNames"] == names != []


def test_sagemaker_describe_endpoint_leads_to_its_tags(synthetic: SyntheticEndpoint) -> None:
    sagemaker = _client(synthetic, "sagemaker")
    listed = sagemaker.list_endpoints()["Endpoints"][0]
    described = sagemaker.describe_endpoint(EndpointName=listed["EndpointName"])
    assert described["EndpointArn"] == listed["EndpointArn"]
    tags = sagemaker.list_tags(ResourceArn=described["EndpointArn"])["Tags"]
    assert {"Key": "Owner", "Value": "platform"} in tags


def test_describe_state_machine_answers_the_machine(synthetic: SyntheticEndpoint) -> None:
    states = _client(synthetic, "stepfunctions")
    listed = states.list_state_machines()["stateMachines"][0]
    described = states.describe_state_machine(stateMachineArn=listed["stateMachineArn"])
    assert (described["stateMachineArn"], described["name"]) == (
        listed["stateMachineArn"],
        listed["name"],
    )
    assert "definition" in described
    assert "roleArn" in described


def test_a_describe_of_an_unknown_item_stays_minimal(synthetic: SyntheticEndpoint) -> None:
    described = _client(synthetic, "sagemaker").describe_endpoint(EndpointName="elsewhere")
    assert described["EndpointArn"] == ""
