"""Seeders for every catalog type moto emulates, beyond the base set of ``seed_resources``.

Each seeder takes a ``RegionSeeder``, creates a known number of resources with known tags
in its account and region (global ones only when ``seeder.primary``), and records each
with ``seeder.record(cfn_type, id, arn, tags)``: the ground truth inventories are
compared with.
"""

from __future__ import annotations

from tether.emulator.seeding import compute, data, platform

# compute creates the roles Lambda and EKS need before platform lists every role; reading
# back what moto made by itself (default VPCs, root volumes, ...) comes last of all.
CATALOG_SEEDERS = (
    *(seeder for seeder in compute.SEEDERS if seeder is not compute.record_ec2_extras),
    *data.SEEDERS,
    *platform.SEEDERS,
    compute.record_ec2_extras,
)
CATALOG_SEEDED_TYPES: frozenset[str] = frozenset((*compute.TYPES, *data.TYPES, *platform.TYPES))
