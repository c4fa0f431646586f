"""Amazon ECR private repositories."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, iso, tag_map
from tether.catalog.services import ECR
from tether.domain.resources import ResourceRecord


def _repository(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("tags"))
    encryption = item.get("encryptionConfiguration") or {}
    kms_key = encryption.get("kmsKey")
    return ResourceRecord(
        arn=item["repositoryArn"],
        resource_type="AWS_ECR_REPOSITORY",
        name=tags.get("Name") or item["repositoryName"],
        account_id=where.account_id,
        region=where.region,
        tags=tags,
        attributes={
            "repositoryName": item["repositoryName"],
            "repositoryUri": item.get("repositoryUri"),
            "registryId": item.get("registryId"),
            "imageTagMutability": item.get("imageTagMutability"),
            "scanOnPush": (item.get("imageScanningConfiguration") or {}).get("scanOnPush"),
            "encryptionType": encryption.get("encryptionType"),
            "kmsKey": kms_key,
            "createdAt": iso(item.get("createdAt")),
        },
        relationships=[{"type": "AWS_KMS_KEY", "arn": kms_key}] if kms_key else [],
        created_time=as_datetime(item.get("createdAt")),
    )


REPOSITORIES = ResourceSpec(
    type_code="AWS_ECR_REPOSITORY",
    title="ECR repository",
    service=ECR,
    list_call=Call("DescribeRepositories", {"maxResults": 1000}, result_path="repositories"),
    normalise=_repository,
    cfn_type="AWS::ECR::Repository",
    enrich=(
        per_item(
            Call("ListTagsForResource", result_path="tags"),
            lambda item: {"resourceArn": item["repositoryArn"]},
            into="tags",
            gone=frozenset({"RepositoryNotFoundException"}),
        ),
    ),
    tag_source="ListTagsForResource",
)

TYPES: tuple[ResourceSpec, ...] = (REPOSITORIES,)
