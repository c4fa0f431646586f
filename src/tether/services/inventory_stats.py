"""How many resources the inventory held, day by day, by type and by region.

Counts are anchored on today's live inventory and walked backwards through the history:
the count at the end of day *d - 1* is the count at the end of day *d* minus the day's
``created`` changes plus its ``deleted`` and ``excluded`` ones. Only the window's changes
are read, and today's figure is always the inventory's own. (A resource purged after its
retention period takes its history with it, so days before its deletion count one fewer.)

Filters apply by what a resource never changes (type, region, account, integration);
names, states and tags vary over time, so they would not describe past days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tether.catalog.registry import resource_type
from tether.security.scoping import TenantScope
from tether.store.db import Database
from tether.store.models import Resource, ResourceChange
from tether.store.repositories.base import ScopedRepository
from tether.store.repositories.resources import ResourceFilter, visible_to
from tether.store.types import utcnow

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_SERIES = 6
OTHER = "_other"
# What a change does to the count of live resources.
_DELTAS = {"created": 1, "deleted": -1, "excluded": -1}
_CHOICES_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Series:
    key: str  # a type code, a region, or OTHER
    label: str
    counts: tuple[int, ...]  # one per day of the trend

    @property
    def latest(self) -> int:
        return self.counts[-1] if self.counts else 0


@dataclass(frozen=True, slots=True)
class Trend:
    """One dimension over the window: the largest series, the rest summed in ``OTHER``."""

    dimension: str  # "type" | "region"
    days: tuple[date, ...]
    series: tuple[Series, ...]

    @property
    def totals(self) -> tuple[int, ...]:
        return tuple(sum(s.counts[i] for s in self.series) for i in range(len(self.days)))

    @property
    def empty(self) -> bool:
        return not any(any(s.counts) for s in self.series)


@dataclass(frozen=True, slots=True)
class InventoryTrends:
    by_type: Trend
    by_region: Trend
    # Every region and account of the live inventory (for the filter form's suggestions).
    regions: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()


def _identity(where: ResourceFilter | None) -> ResourceFilter:
    """The filter's fields that hold for a resource's whole life, deleted ones included."""
    if where is None:
        return ResourceFilter(include_deleted=True)
    return ResourceFilter(
        resource_types=where.resource_types,
        regions=where.regions,
        account_ids=where.account_ids,
        integration_id=where.integration_id,
        include_deleted=True,
    )


class InventoryCounts(ScopedRepository):
    """Aggregate reads of a scope's inventory: a client's own, or all of a partner's
    clients' (as ``ResourceRepository`` reads them)."""

    def _visible(self, column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        return visible_to(self.scope, column)

    def live(self, where: ResourceFilter) -> list[tuple[str, str, int]]:
        """(type, region, count) of the resources not deleted."""
        rows = self.session.execute(
            select(Resource.resource_type, Resource.region, func.count())
            .where(
                self._visible(Resource.tenant_id),
                Resource.deleted_at.is_(None),
                *where.conditions(),
            )
            .group_by(Resource.resource_type, Resource.region)
        )
        return [(kind, region, int(count)) for kind, region, count in rows]

    def daily_changes(
        self, where: ResourceFilter, since: datetime
    ) -> list[tuple[str, str, str, str, int]]:
        """(day, type, region, kind, count) of the changes that add or remove a resource,
        from ``since`` on; days are UTC dates as ``YYYY-MM-DD``."""
        day = _utc_day(self.session)(ResourceChange.at)
        rows = self.session.execute(
            select(day, Resource.resource_type, Resource.region, ResourceChange.kind, func.count())
            .join(Resource, Resource.id == ResourceChange.resource_id)
            .where(
                self._visible(ResourceChange.tenant_id),
                ResourceChange.at >= since,
                ResourceChange.kind.in_(tuple(_DELTAS)),
                *where.conditions(),
            )
            .group_by(day, Resource.resource_type, Resource.region, ResourceChange.kind)
        )
        return [(str(d), t, r, k, int(n)) for d, t, r, k, n in rows]

    def distinct(self, column: InstrumentedAttribute[str]) -> list[str]:
        """The values of ``column`` among live resources, sorted (the first few hundred)."""
        rows = self.session.scalars(
            select(column)
            .where(self._visible(Resource.tenant_id), Resource.deleted_at.is_(None))
            .distinct()
            .order_by(column)
            .limit(_CHOICES_LIMIT)
        )
        return list(rows)


def _utc_day(session: Session) -> Callable[[InstrumentedAttribute[datetime]], ColumnElement[str]]:
    """The UTC date of a timestamp as text. SQLite stores UTC text already; PostgreSQL's
    ``timestamptz`` is shifted to UTC first, whatever the session's time zone."""
    if session.get_bind().dialect.name == "postgresql":
        return lambda column: func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return lambda column: func.strftime("%Y-%m-%d", column)


def _type_label(code: str) -> str:
    spec = resource_type(code)
    return spec.title if spec else code


def _region_label(region: str) -> str:
    return "Global" if region == "global" else region


def _walk_back(
    live: Mapping[str, int], deltas: Mapping[str, Mapping[date, int]], days: tuple[date, ...]
) -> dict[str, list[int]]:
    """Per key, the count at the end of each day, from today's count backwards (undoing
    first any change after the window, when it ends before today)."""
    counts: dict[str, list[int]] = {}
    for key in set(live) | set(deltas):
        by_day = deltas.get(key, {})
        running = live.get(key, 0) - sum(n for day, n in by_day.items() if day > days[-1])
        column = [0] * len(days)
        for index in range(len(days) - 1, -1, -1):
            column[index] = max(running, 0)
            running -= by_day.get(days[index], 0)
        counts[key] = column
    return counts


def _trend(
    dimension: str,
    counts: Mapping[str, list[int]],
    days: tuple[date, ...],
    label: Callable[[str], str],
    top: int,
) -> Trend:
    """The ``top`` keys with the most resources (today, then at their peak) and the rest
    as one "Other" series, largest first: the order they stack in."""
    ranked = sorted(counts, key=lambda key: (-counts[key][-1], -max(counts[key]), key))
    ranked = [key for key in ranked if any(counts[key])]
    shown = ranked if len(ranked) <= top + 1 else ranked[:top]
    series = [Series(key, label(key), tuple(counts[key])) for key in shown]
    rest = ranked[len(shown) :]
    if rest:
        summed = tuple(sum(counts[key][i] for key in rest) for i in range(len(days)))
        others = "type" if dimension == "type" else "region"
        series.append(Series(OTHER, f"Other {others}s ({len(rest)})", summed))
    return Trend(dimension, days, tuple(series))


def _window(days: int, today: date | None) -> tuple[date, ...]:
    last = today or utcnow().date()
    span = max(1, min(days, MAX_DAYS))
    return tuple(last - timedelta(days=back) for back in range(span - 1, -1, -1))


def _by(
    position: int,
    live: Iterable[tuple[str, str, int]],
    changes: Iterable[tuple[date, str, str, int]],
) -> tuple[dict[str, int], dict[str, dict[date, int]]]:
    """Today's counts and the daily deltas keyed by type (``position`` 0) or region (1)."""
    today: defaultdict[str, int] = defaultdict(int)
    for kind, region, count in live:
        today[(kind, region)[position]] += count
    deltas: defaultdict[str, defaultdict[date, int]] = defaultdict(lambda: defaultdict(int))
    for day, kind, region, delta in changes:
        deltas[(kind, region)[position]][day] += delta
    return today, {key: dict(by_day) for key, by_day in deltas.items()}


def inventory_trends(
    db: Database,
    scope: TenantScope,
    where: ResourceFilter | None = None,
    days: int = DEFAULT_DAYS,
    top: int = TOP_SERIES,
    today: date | None = None,
) -> InventoryTrends:
    """Resources at the end of each of the last ``days`` UTC days, by type and by region."""
    window = _window(days, today)
    identity = _identity(where)
    # Only changes after the first day move the walk; the first day's are before it.
    since = datetime.combine(window[0] + timedelta(days=1), time.min, tzinfo=UTC)
    with db.transaction() as session:
        repo = InventoryCounts(session, scope)
        live = repo.live(identity)
        changes = repo.daily_changes(identity, since)
        regions = repo.distinct(Resource.region)
        accounts = repo.distinct(Resource.account_id)
    moves = [
        (date.fromisoformat(day), kind, region, _DELTAS[change] * count)
        for day, kind, region, change, count in changes
    ]
    type_counts = _walk_back(*_by(0, live, moves), window)
    region_counts = _walk_back(*_by(1, live, moves), window)
    return InventoryTrends(
        by_type=_trend("type", type_counts, window, _type_label, top),
        by_region=_trend("region", region_counts, window, _region_label, top),
        regions=tuple(regions),
        accounts=tuple(accounts),
    )
