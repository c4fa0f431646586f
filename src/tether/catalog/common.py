"""Small helpers every service module's ``normalise`` uses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any


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


def related(type_code: str, *arns: str | None) -> list[dict[str, str]]:
    """Relationship entries ``{"type": type_code, "arn": arn}`` for the ARNs that are set."""
    return [{"type": type_code, "arn": arn} for arn in arns if arn]


def arn_name(arn: str) -> str:
    """The last part of an ARN's resource (``.../name`` or ``...:name``)."""
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
