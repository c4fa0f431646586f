"""Look-ups over the whole catalog; the generated IAM policy is built from here."""

from __future__ import annotations

from tether.catalog import ec2
from tether.catalog.base import ResourceSpec, Service
from tether.catalog.services import (
    DESCRIBE_REGIONS,
    EC2,
    ORGANIZATION_CALLS,
    REGION_CHECK,
    SERVICES,
)

RESOURCE_TYPES: tuple[ResourceSpec, ...] = (ec2.INSTANCES,)


def services() -> tuple[Service, ...]:
    return SERVICES


def iam_actions() -> list[str]:
    """Every IAM action Tether calls, sorted: the permission policy's Action list."""
    actions = {service.probe_action for service in SERVICES}
    for spec in RESOURCE_TYPES:
        actions |= spec.iam_actions
    actions |= {DESCRIBE_REGIONS.action(EC2.iam_prefix), REGION_CHECK.action(EC2.iam_prefix)}
    actions |= {call.action("organizations") for call in ORGANIZATION_CALLS}
    return sorted(actions)


def resource_type(type_code: str) -> ResourceSpec | None:
    return next((spec for spec in RESOURCE_TYPES if spec.type_code == type_code), None)
