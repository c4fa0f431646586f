"""What each tool found, per Tether type: in both, only in Tether's inventory, only in
c7n's output.

A resource is keyed by (account, region, natural id). The natural id comes from a Tether
row's ARN and from the c7n item field named in ``bench.c7n.types.C7N_TYPES`` (see there).
Global types (``types.global_types()``) are keyed with region ``"global"``: Tether lists
them once per account and records S3 buckets under their own region, c7n under the region
its policy ran in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.c7n.types import C7N_TYPES, global_types, natural_id_of_arn

Key = tuple[str, str, str]  # (account, region, natural id)
GLOBAL = "global"


@dataclass
class TypeComparison:
    both: set[Key] = field(default_factory=set)
    only_tether: set[Key] = field(default_factory=set)
    only_c7n: set[Key] = field(default_factory=set)

    @property
    def same(self) -> bool:
        return not (self.only_tether or self.only_c7n)


def tether_keys(
    rows: Iterable[Mapping[str, Any]], type_codes: Iterable[str]
) -> dict[str, set[Key]]:
    """Natural-id keys of Tether inventory rows (``arn``, ``resource_type``,
    ``account_id``, ``region``), per type; rows of other types are ignored."""
    wanted, once = set(type_codes), global_types()
    keys: dict[str, set[Key]] = defaultdict(set)
    for row in rows:
        code = row["resource_type"]
        if code not in wanted:
            continue
        region = GLOBAL if code in once else row["region"]
        kind = C7N_TYPES[code].id_kind
        keys[code].add((row["account_id"], region, natural_id_of_arn(row["arn"], kind)))
    return keys


def c7n_keys(
    found: Mapping[tuple[str, str, str], set[str]], type_codes: Iterable[str]
) -> dict[str, set[Key]]:
    """Natural-id keys of ``C7nResult.found`` ((type, account, region) -> ids), per type."""
    wanted, once = set(type_codes), global_types()
    keys: dict[str, set[Key]] = defaultdict(set)
    for (code, account, region), ids in found.items():
        if code not in wanted:
            continue
        where = GLOBAL if code in once else region
        keys[code] |= {(account, where, natural_id) for natural_id in ids}
    return keys


def compare(
    rows: Iterable[Mapping[str, Any]],
    found: Mapping[tuple[str, str, str], set[str]],
    type_codes: Iterable[str],
) -> dict[str, TypeComparison]:
    codes = sorted(set(type_codes))
    ours, theirs = tether_keys(rows, codes), c7n_keys(found, codes)
    result = {}
    for code in codes:
        tether, c7n = ours.get(code, set()), theirs.get(code, set())
        result[code] = TypeComparison(tether & c7n, tether - c7n, c7n - tether)
    return result
