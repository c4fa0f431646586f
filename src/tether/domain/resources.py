"""A resource as one collection found it, before it meets the inventory."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class ResourceRecord:
    arn: str
    resource_type: str
    name: str | None
    account_id: str
    region: str
    zone: str | None = None
    state: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    relationships: list[dict[str, str]] = field(default_factory=list)
    created_time: datetime | None = None

    def comparable(self) -> dict[str, Any]:
        """The fields whose change is a change of the resource (JSON-ready)."""
        # Shallow: asdict's deep copy costs 5x as much and nothing here mutates the values.
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        values["created_time"] = self.created_time.isoformat() if self.created_time else None
        return values

    @property
    def fingerprint(self) -> str:
        canonical = json.dumps(self.comparable(), sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()
