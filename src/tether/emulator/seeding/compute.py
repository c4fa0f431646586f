"""Catalog seeders (see ``tether.emulator.seeding``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tether.emulator.seed_resources import RegionSeeder

# The CloudFormation types these seeders create (ground truth must hold each).
TYPES: tuple[str, ...] = ()
SEEDERS: tuple[Callable[[RegionSeeder], None], ...] = ()
