"""Small helpers every service module's ``normalise`` uses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tether.catalog.base import Where


def tag_map(
    tags: Iterable[Mapping[str, Any]] | None, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    """AWS's ``[{"Key": k, "Value": v}]`` (or other key names) as ``{k: v}``."""
    return {str(tag[key]): str(tag.get(value) or "") for tag in tags or []}


def as_datetime(value: Any) -> datetime | None:
    """A botocore timestamp (datetime, ISO text or epoch seconds) as an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(value: Any) -> str | None:
    """A timestamp as ISO 8601 text, for attributes (which are stored as JSON)."""
    moment = as_datetime(value)
    return moment.isoformat() if moment else None


def links(type_code: str, arns: Iterable[str | None]) -> list[dict[str, str]]:
    """Relationship entries to ``type_code`` targets, sorted and without repeats."""
    return [{"type": type_code, "arn": arn} for arn in sorted({arn for arn in arns if arn})]


def ec2_arn(where: Where, kind: str, resource_id: str) -> str:
    """An EC2 resource's ARN from its id (``kind`` as in IAM: instance, subnet, ...)."""
    return f"arn:{where.partition}:ec2:{where.region}:{where.account_id}:{kind}/{resource_id}"


def ec2_links(
    where: Where, type_code: str, kind: str, ids: Iterable[str | None]
) -> list[dict[str, str]]:
    """Relationships to EC2 resources AWS names by id only."""
    return links(type_code, (ec2_arn(where, kind, rid) for rid in ids if rid))


def network_links(
    where: Where,
    vpc_id: str | None = None,
    subnet_ids: Iterable[str | None] = (),
    group_ids: Iterable[str | None] = (),
) -> list[dict[str, str]]:
    """The VPC, subnets and security groups a resource is placed in."""
    return [
        *ec2_links(where, "AWS_VPC", "vpc", [vpc_id]),
        *ec2_links(where, "AWS_SUBNET", "subnet", subnet_ids),
        *ec2_links(where, "AWS_SECURITY_GROUP", "security-group", group_ids),
    ]


def kms_key_arn(value: str | None) -> str | None:
    """A KMS key named by its ARN (not by an alias or a bare id, nor moto's placeholder)."""
    return value if value and value.startswith("arn:") and ":key/" in value else None


def kms_key_links(value: str | None) -> list[dict[str, str]]:
    return links("AWS_KMS_KEY", [kms_key_arn(value)])


def arn_name(arn: str) -> str:
    """The last part of an ARN's resource (``.../name`` or ``...:name``)."""
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
