"""Resource types of one AWS service (see ``tether.catalog.base``)."""

from __future__ import annotations

from tether.catalog.base import ResourceSpec

TYPES: tuple[ResourceSpec, ...] = ()
