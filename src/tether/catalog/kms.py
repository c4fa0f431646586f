"""AWS KMS keys: customer managed and AWS managed, including keys pending deletion."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, iso, tag_map
from tether.catalog.services import KMS
from tether.domain.resources import ResourceRecord

# ListKeys answers ids only: details and tags cost one call each per key.
_GONE = frozenset({"NotFoundException"})
# A key's own policy can refuse the account's principals whatever IAM allows (AWS managed
# keys such as aws/acm refuse ListResourceTags): such a key is still listed, without what
# its policy hides.
_REFUSED = "AccessDeniedException"


def _key(item: dict[str, Any], where: Where) -> ResourceRecord:
    meta = item.get("KeyMetadata") or {}
    key_id = item["KeyId"]
    tags = tag_map(item.get("Tags"), key="TagKey", value="TagValue")
    state = meta.get("KeyState")
    prefix = f"arn:{where.partition}:kms:{where.region}:{where.account_id}"
    return ResourceRecord(
        arn=item.get("KeyArn") or meta.get("Arn") or f"{prefix}:key/{key_id}",
        resource_type="AWS_KMS_KEY",
        name=tags.get("Name") or key_id,
        account_id=where.account_id,
        region=where.region,
        state=state,
        tags=tags,
        attributes={
            "keyId": key_id,
            "keyManager": meta.get("KeyManager"),  # AWS or CUSTOMER
            "keyState": state,
            "enabled": meta.get("Enabled"),
            "description": meta.get("Description") or None,
            "keySpec": meta.get("KeySpec"),
            "keyUsage": meta.get("KeyUsage"),
            "origin": meta.get("Origin"),
            "multiRegion": meta.get("MultiRegion"),
            "customKeyStoreId": meta.get("CustomKeyStoreId"),
            "deletionDate": iso(meta.get("DeletionDate")),
        },
        created_time=as_datetime(meta.get("CreationDate")),
    )


KEYS = ResourceSpec(
    type_code="AWS_KMS_KEY",
    title="KMS key",
    service=KMS,
    list_call=Call("ListKeys", {"Limit": 1000}, result_path="Keys"),
    normalise=_key,
    cfn_type="AWS::KMS::Key",
    enrich=(
        per_item(
            Call("DescribeKey", result_path="KeyMetadata"),
            lambda item: {"KeyId": item["KeyId"]},
            into="KeyMetadata",
            absent={_REFUSED: {}},
            gone=_GONE,
        ),
        # 50 is both the page maximum and the most tags a key can have.
        per_item(
            Call("ListResourceTags", {"Limit": 50}, result_path="Tags"),
            lambda item: {"KeyId": item["KeyId"]},
            into="Tags",
            absent={_REFUSED: []},
            gone=_GONE,
        ),
    ),
    tag_source="ListResourceTags",
)

TYPES: tuple[ResourceSpec, ...] = (KEYS,)
