"""An emulated multi-account AWS for tests and demos.

moto (in its own process) holds the state; `build_organization` fills it with a trusted
account, an AWS Organization, onboarding roles and known resources; `FaultProxy` sits in
front of moto, enforces what moto does not (trust policies, External ID, role-chaining
limits, opt-in regions, expiring temporary credentials, unknown access key ids, SigV4
signatures) and injects the failures real AWS produces.
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
from tether.emulator.regions import OPT_IN_REGIONS, OptInStatus, all_regions
from tether.emulator.seed_resources import SEEDED_TYPES, SeededResource

__all__ = [
    "DEFAULT_EXTERNAL_ID",
    "DEFAULT_REGIONS",
    "DEFAULT_ROLE_NAME",
    "OPT_IN_REGIONS",
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
    "OptInStatus",
    "OrganizationSpec",
    "SeededResource",
    "act_as",
    "all_regions",
    "build_organization",
    "default_members",
    "reset_moto",
    "running_moto_server",
]
