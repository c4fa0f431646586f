"""A scan's plan: one unit per (region, resource type) its discovery profiles select."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tether.aws.sessions import AwsIdentity
from tether.catalog.registry import RESOURCE_TYPES
from tether.discovery.units import GLOBAL
from tether.domain.profile_rules import ALL, selected_types
from tether.store.models import Integration


@dataclass(frozen=True, slots=True)
class Unit:
    region: str  # or "global"
    spec_code: str
    skip_reason: str | None = None  # known before any call: the service is not offered there


def plan_units(
    integration: Integration, policies: list[dict[str, Any]], identity: AwsIdentity
) -> list[Unit]:
    """One unit per (region, selected type); global types once, in region "global"."""
    # No profile selects nothing: the user removed them all (install creates one).
    wanted = selected_type_codes(policies)
    units: list[Unit] = []
    offered: dict[str, set[str]] = {}
    for spec in RESOURCE_TYPES:
        if wanted is not None and spec.type_code not in wanted:
            continue  # no rule selects it: not collected at all
        if spec.service.is_global:
            units.append(Unit(GLOBAL, spec.type_code))
            continue
        client_name = spec.service.client_name
        if client_name not in offered:
            offered[client_name] = set(identity.available_regions(client_name))
        for region in integration.regions:
            # botocore's endpoint data knows which regions offer a service; a region it
            # does not know at all (newer than botocore) is tried.
            absent = offered[client_name] and region not in offered[client_name]
            reason = f"{spec.service.title} is not offered in {region}" if absent else None
            units.append(Unit(region, spec.type_code, reason))
    return units


def selected_type_codes(policies: list[dict[str, Any]]) -> set[str] | None:
    """The type codes the profiles' rules select; None means every type."""
    chosen = selected_types(policies)
    return None if chosen is ALL else set(chosen)
