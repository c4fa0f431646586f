"""Answers to calls other tools (Cloud Custodian's c7n-org) make beyond Tether's catalog:
the Resource Groups Tagging API, SNS topic attributes, S3 bucket configuration reads (AWS's
own "not configured" errors for a bucket that has none), and per-item describes answered
with the item the request names. Every answer is deterministic, so the server caches it.
"""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel, StructureShape

from bench.synthetic.paging import paging_for
from bench.synthetic.records import Records, describe_one
from bench.synthetic.wire import minimal
from tether.emulator.aws_errors import AwsError

# The older Elasticsearch API (boto3 "es", paths under /2015-01-01/) read from the
# OpenSearch data: its operation -> the OpenSearch operation Tether's catalog serves.
ES_TO_OPENSEARCH = {
    "ListDomainNames": "ListDomainNames",
    "DescribeElasticsearchDomains": "DescribeDomains",
    "ListTags": "ListTags",
}
# S3 bucket configuration a generated bucket does not have: AWS's error for each read.
S3_NOT_CONFIGURED = {
    "GetBucketPolicy": "NoSuchBucketPolicy",
    "GetBucketPolicyStatus": "NoSuchBucketPolicy",
    "GetBucketReplication": "ReplicationConfigurationNotFoundError",
    "GetBucketWebsite": "NoSuchWebsiteConfiguration",
    "GetBucketLifecycle": "NoSuchLifecycleConfiguration",
    "GetBucketLifecycleConfiguration": "NoSuchLifecycleConfiguration",
    "GetBucketCors": "NoSuchCORSConfiguration",
    "GetPublicAccessBlock": "NoSuchPublicAccessBlockConfiguration",
    "GetObjectLockConfiguration": "ObjectLockConfigurationNotFoundError",
    "GetBucketOwnershipControls": "OwnershipControlsNotFoundError",
    "GetBucketIntelligentTieringConfiguration": "NoSuchConfiguration",
}
S3_MESSAGES = {
    "NoSuchBucketPolicy": "The bucket policy does not exist",
    "ReplicationConfigurationNotFoundError": "The replication configuration was not found",
    "NoSuchWebsiteConfiguration": "The specified bucket does not have a website configuration",
    "NoSuchLifecycleConfiguration": "The lifecycle configuration does not exist",
    "NoSuchCORSConfiguration": "The CORS configuration does not exist",
    "NoSuchPublicAccessBlockConfiguration": "The public access block configuration was not found",
    "ObjectLockConfigurationNotFoundError": "Object Lock configuration does not exist",
    "OwnershipControlsNotFoundError": "The bucket ownership controls were not found",
    "NoSuchConfiguration": "The specified configuration does not exist.",
}  # fmt: skip
# What AWS answers for a bucket created with today's defaults.
S3_DEFAULTS: dict[str, dict[str, Any]] = {
    "GetBucketEncryption": {
        "ServerSideEncryptionConfiguration": {
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                    "BucketKeyEnabled": False,
                }
            ]
        }
    },
    "GetBucketVersioning": {},
    "GetBucketLogging": {},
    "GetBucketNotificationConfiguration": {},
    "GetBucketNotification": {},
    "GetBucketAccelerateConfiguration": {},
    "GetBucketRequestPayment": {"Payer": "BucketOwner"},
}
_DESCRIBE_PREFIXES = ("Describe", "Get")


class OtherCalls:
    def __init__(self, records: Records) -> None:
        self.records = records
        self.inventory = records.inventory
        self.tagging_paging = paging_for("resourcegroupstaggingapi", "GetResources")

    def answer(
        self,
        service: str,
        model: OperationModel,
        account: int,
        region: int,
        params: dict[str, Any],
        text: str,
    ) -> dict[str, Any] | AwsError | None:
        """The answer, or ``None`` when this is not a call answered here."""
        operation = model.name
        if service == "resourcegroupstaggingapi" and operation == "GetResources":
            return self._tag_mappings(account, region, params)
        if service == "s3" and operation == "GetBucketAcl":
            return self._bucket_acl(account, text)
        if service == "s3" and (operation in S3_NOT_CONFIGURED or operation in S3_DEFAULTS):
            return self._bucket(operation, account, text)
        if service == "sns" and operation == "GetTopicAttributes":
            return self._topic_attributes(account, text)
        if operation.startswith(_DESCRIBE_PREFIXES) and isinstance(
            model.output_shape, StructureShape
        ):
            named = self.records.named(service, text, account)
            if named is not None:
                found = describe_one(model.output_shape, self.records.whole(*named))
                answer: dict[str, Any] = minimal(model.output_shape)
                return answer | found
        return None

    def _tag_mappings(self, account: int, region: int, params: dict[str, Any]) -> dict[str, Any]:
        filters = [str(f) for f in params.get("ResourceTypeFilters") or []]
        mappings = self.records.tag_mappings(account, region, filters)
        start, end, token = self.tagging_paging.page(params, len(mappings))
        answer: dict[str, Any] = {"ResourceTagMappingList": mappings[start:end]}
        # AWS always answers a PaginationToken, empty on the last page.
        answer["PaginationToken"] = token or ""
        return answer

    def _bucket(self, operation: str, account: int, text: str) -> dict[str, Any] | AwsError:
        if self.records.named("s3", text, account) is None:
            return AwsError(404, "NoSuchBucket", "The specified bucket does not exist")
        code = S3_NOT_CONFIGURED.get(operation)
        if code is not None:
            return AwsError(404, code, S3_MESSAGES[code])
        return S3_DEFAULTS[operation]

    def _bucket_acl(self, account: int, text: str) -> dict[str, Any] | AwsError:
        """A new bucket's ACL: its owner has full control, nobody else is granted."""
        if self.records.named("s3", text, account) is None:
            return AwsError(404, "NoSuchBucket", "The specified bucket does not exist")
        # The grantee's xsi:type is an XML attribute the serializer does not write.
        owner = {"ID": f"{int(self.inventory.org.accounts[account]):064x}"}
        return {"Owner": owner, "Grants": [{"Grantee": owner, "Permission": "FULL_CONTROL"}]}

    def _topic_attributes(self, account: int, text: str) -> dict[str, Any] | AwsError:
        named = self.records.named("sns", text, account)
        if named is None:
            return AwsError(404, "NotFound", "Topic does not exist")
        arn = self.records.whole(*named)["TopicArn"]
        owner = self.inventory.org.accounts[account]
        attributes = {
            "TopicArn": arn,
            "Owner": owner,
            "DisplayName": "",
            "SubscriptionsConfirmed": "0",
            "SubscriptionsPending": "0",
            "SubscriptionsDeleted": "0",
            "Policy": _topic_policy(arn, owner),
        }
        return {"Attributes": attributes}


def _topic_policy(arn: str, owner: str) -> str:
    """SNS's default access policy of a new topic, as the JSON text AWS answers."""
    return (
        '{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":'
        '"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":'
        '["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission",'
        '"SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic",'
        f'"SNS:Publish"],"Resource":"{arn}","Condition":{{"StringEquals":'
        f'{{"AWS:SourceOwner":"{owner}"}}}}}}]}}'
    )
