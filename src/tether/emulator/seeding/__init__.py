"""Seeders for every catalog type moto emulates, beyond the base set of ``seed_resources``.

Each seeder takes a ``RegionSeeder``, creates a known number of resources with known tags
in its account and region (global ones only when ``seeder.primary``), and records each
with ``seeder.record(cfn_type, id, arn, tags)``: the ground truth inventories are
compared with.
"""

from __future__ import annotations

from tether.emulator.seeding import compute, data, platform

CATALOG_SEEDERS = (*compute.SEEDERS, *data.SEEDERS, *platform.SEEDERS)
CATALOG_SEEDED_TYPES: frozenset[str] = frozenset((*compute.TYPES, *data.TYPES, *platform.TYPES))
