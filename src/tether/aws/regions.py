"""AWS regions: which exist, which the user selected, which an account has enabled."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import botocore.session

from tether.errors import InvalidInput

ALL = "All"
# DescribeRegions' OptInStatus values; a region "not-opted-in" is disabled for the account.
NOT_OPTED_IN = "not-opted-in"


@functools.cache
def known_regions(partition: str = "aws") -> frozenset[str]:
    """Every region botocore knows for EC2 in ``partition``, opt-in ones included."""
    session = botocore.session.get_session()
    return frozenset(session.get_available_regions("ec2", partition_name=partition))


@dataclass(frozen=True, slots=True)
class RegionSelection:
    """The install form's ``Regions``: ``All`` or a list."""

    all: bool
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> RegionSelection:
        if text is None or not text.strip():
            raise InvalidInput("Regions", "select at least one region, or All")
        if text.strip().lower() == ALL.lower():
            return cls(all=True)
        names: list[str] = []
        for raw in text.split(","):
            name = raw.strip()
            if not name:
                continue
            if name not in known_regions():
                raise InvalidInput("Regions", f"unknown region {name!r}")
            if name not in names:
                names.append(name)
        if not names:
            raise InvalidInput("Regions", "select at least one region, or All")
        return cls(all=False, names=tuple(names))

    def __str__(self) -> str:
        return ALL if self.all else ",".join(self.names)


@dataclass(frozen=True, slots=True)
class RegionStatus:
    name: str
    opt_in_status: str

    @property
    def enabled(self) -> bool:
        return self.opt_in_status != NOT_OPTED_IN
