"""An emulated multi-account AWS for tests and demos.

moto (in its own process) holds the state; `build_organization` fills it with a trusted
account, an AWS Organization, onboarding roles and known resources; `FaultProxy` sits in
front of moto, enforces what moto does not (trust policies, External ID, role-chaining
limits) and injects the failures real AWS produces.
"""

from tether.emulator.fault_proxy import FaultProxy
from tether.emulator.faults import CallCounters, CallCounts, CallKey, FaultKind, FaultRule
from tether.emulator.moto_server import MotoServer, MotoServerError, reset_moto, running_moto_server
from tether.emulator.organization import (
    DEFAULT_EXTERNAL_ID,
    DEFAULT_REGIONS,
    DEFAULT_ROLE_NAME,
    AccessKeys,
    EmulatedAccount,
    EmulatedOrganization,
    MemberSpec,
    OrganizationSpec,
    act_as,
    build_organization,
    default_members,
)
from tether.emulator.seed_resources import SEEDED_TYPES, SeededResource

__all__ = [
    "DEFAULT_EXTERNAL_ID",
    "DEFAULT_REGIONS",
    "DEFAULT_ROLE_NAME",
    "SEEDED_TYPES",
    "AccessKeys",
    "CallCounters",
    "CallCounts",
    "CallKey",
    "EmulatedAccount",
    "EmulatedOrganization",
    "FaultKind",
    "FaultProxy",
    "FaultRule",
    "MemberSpec",
    "MotoServer",
    "MotoServerError",
    "OrganizationSpec",
    "SeededResource",
    "act_as",
    "build_organization",
    "default_members",
    "reset_moto",
    "running_moto_server",
]
