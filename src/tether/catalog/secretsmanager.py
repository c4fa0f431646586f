"""AWS Secrets Manager secrets: metadata only, never a secret's value."""

from __future__ import annotations

import re
from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where
from tether.catalog.common import as_datetime, iso, tag_map
from tether.catalog.services import SECRETSMANAGER
from tether.domain.resources import ResourceRecord

_KEY_ID = re.compile(r"^(mrk-)?[0-9a-f-]{32,36}$")


def _kms_key_arn(key: str | None, where: Where) -> str | None:
    """The key's ARN when ``KmsKeyId`` names a key (an ARN or a bare id), not an alias."""
    if not key:
        return None
    if key.startswith("arn:") and ":key/" in key:
        return key
    if _KEY_ID.match(key):
        return f"arn:{where.partition}:kms:{where.region}:{where.account_id}:key/{key}"
    return None


def _secret(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    rules = item.get("RotationRules") or {}
    key_arn = _kms_key_arn(item.get("KmsKeyId"), where)
    relationships = [{"type": "AWS_KMS_KEY", "arn": key_arn}] if key_arn else []
    if item.get("RotationLambdaARN"):
        relationships.append({"type": "LAMBDA", "arn": item["RotationLambdaARN"]})
    return ResourceRecord(
        arn=item["ARN"],
        resource_type="AWS_SECRETS_MANAGER_SECRET",
        name=tags.get("Name") or item["Name"],
        account_id=where.account_id,
        region=where.region,
        tags=tags,
        # Never SecretVersionsToStages (it moves at every rotation) nor anything of the value.
        attributes={
            "secretName": item["Name"],
            "description": item.get("Description") or None,
            "kmsKeyId": item.get("KmsKeyId"),
            "rotationEnabled": bool(item.get("RotationEnabled")),
            "rotationLambdaArn": item.get("RotationLambdaARN"),
            "rotationSchedule": rules.get("ScheduleExpression"),
            "rotationAfterDays": rules.get("AutomaticallyAfterDays"),
            "lastRotatedDate": iso(item.get("LastRotatedDate")),
            "owningService": item.get("OwningService"),
            "primaryRegion": item.get("PrimaryRegion"),
            "type": item.get("Type"),
        },
        relationships=relationships,
        created_time=as_datetime(item.get("CreatedDate")),
    )


SECRETS = ResourceSpec(
    type_code="AWS_SECRETS_MANAGER_SECRET",
    title="Secrets Manager secret",
    service=SECRETSMANAGER,
    list_call=Call("ListSecrets", {"MaxResults": 100}, result_path="SecretList"),
    normalise=_secret,
    cfn_type="AWS::SecretsManager::Secret",
)

TYPES: tuple[ResourceSpec, ...] = (SECRETS,)
