"""When a discovery profile's next scheduled scan is due.

All times are UTC, ``startTime`` included. OpsRamp does not say whether a schedule's
``startTime`` is in the client's ``timeZone``; UTC keeps a schedule meaning the same for
every tenant and free of daylight-saving gaps and repeats.

- ``MINUTES`` / ``HOURLY`` / ``DAILY``: every N minutes / hours / days on one grid anchored
  at ``startTime`` on 1970-01-01. The grid does not restart at midnight, so "every 45
  minutes" is 45 minutes apart around the clock, and "every 3 days" falls on the same days
  whoever computes it and whenever.
- ``WEEKLY``: at ``startTime`` on the listed weekdays (``"MON, WED"``).
- ``MONTHLY``: at ``startTime`` on the listed days of the month (``"1, 15"``); a day past
  the end of a month means its last day, so ``31`` runs at every month's end.
"""

from __future__ import annotations

import calendar
import enum
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta


class PatternType(enum.StrEnum):
    MINUTES = "MINUTES"
    HOURLY = "HOURLY"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


# Below 5 minutes a scan of a large account would still run when the next one is due;
# beyond a day, DAILY says it better.
MINUTES_RANGE = (5, 1440)
HOURLY_RANGE = (1, 24)
DAILY_RANGE = (1, 31)
MONTH_DAY_RANGE = (1, 31)
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")  # index = date.weekday()

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_START_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})$")
_UNITS = {
    PatternType.MINUTES: timedelta(minutes=1),
    PatternType.HOURLY: timedelta(hours=1),
    PatternType.DAILY: timedelta(days=1),
}


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A parsed schedule: either a fixed period, or weekdays, or days of the month."""

    start: time
    period: timedelta | None = None
    weekdays: frozenset[int] = frozenset()
    month_days: frozenset[int] = frozenset()

    def next_after(self, after: datetime) -> datetime:
        """The first run time strictly after ``after`` (an aware datetime)."""
        if after.tzinfo is None:
            raise ValueError("next_after needs an aware datetime")
        after = after.astimezone(UTC)
        if self.period is not None:
            anchor = datetime.combine(EPOCH.date(), self.start, tzinfo=UTC)
            if after < anchor:
                return anchor
            return anchor + ((after - anchor) // self.period + 1) * self.period
        if self.weekdays:
            return self._next_weekday(after)
        return self._next_month_day(after)

    def _next_weekday(self, after: datetime) -> datetime:
        # Eight days cover "later today" and "the same weekday next week".
        for offset in range(8):
            day = after.date() + timedelta(days=offset)
            candidate = datetime.combine(day, self.start, tzinfo=UTC)
            if day.weekday() in self.weekdays and candidate > after:
                return candidate
        raise AssertionError("a weekly schedule has at least one weekday")

    def _next_month_day(self, after: datetime) -> datetime:
        # Every month has a run (days clamp to its end), so this month or the next will do.
        year, month = after.year, after.month
        for _ in range(2):
            last = calendar.monthrange(year, month)[1]
            for day in sorted({min(d, last) for d in self.month_days}):
                candidate = datetime.combine(date(year, month, day), self.start, tzinfo=UTC)
                if candidate > after:
                    return candidate
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        raise AssertionError("a monthly schedule has at least one day")


def parse_start_time(text: str) -> time:
    """``HH:MM:SS`` (24-hour, UTC)."""
    match = _START_TIME.match(text)
    if match is None:
        raise ValueError(f"expected HH:MM:SS, got {text!r}")
    hour, minute, second = (int(part) for part in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{text!r} is not a time of day")
    return time(hour, minute, second)


def _number(text: str, bounds: tuple[int, int], what: str) -> int:
    low, high = bounds
    stripped = text.strip()
    if not stripped.isdigit() or not low <= int(stripped) <= high:
        raise ValueError(f"{what} must be a whole number from {low} to {high}, got {text!r}")
    return int(stripped)


def _items(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise ValueError(f"expected a comma-separated list, got {text!r}")
    return items


def parse_pattern(pattern_type: PatternType, pattern: str | None) -> Recurrence:
    """Check ``pattern`` for ``pattern_type``; the result runs at midnight until given a start."""
    midnight = time(0, 0, 0)
    if pattern_type is PatternType.DAILY and (pattern is None or not pattern.strip()):
        return Recurrence(midnight, period=_UNITS[pattern_type])
    if pattern is None or not pattern.strip():
        raise ValueError(f"is required for {pattern_type.value} schedules")
    if pattern_type in _UNITS:
        bounds = {
            PatternType.MINUTES: MINUTES_RANGE,
            PatternType.HOURLY: HOURLY_RANGE,
            PatternType.DAILY: DAILY_RANGE,
        }[pattern_type]
        every = _number(pattern, bounds, f"{pattern_type.value} pattern")
        return Recurrence(midnight, period=every * _UNITS[pattern_type])
    if pattern_type is PatternType.WEEKLY:
        days: set[int] = set()
        for item in _items(pattern):
            if item.upper() not in WEEKDAYS:
                raise ValueError(f"unknown weekday {item!r}; use {', '.join(WEEKDAYS)}")
            days.add(WEEKDAYS.index(item.upper()))
        return Recurrence(midnight, weekdays=frozenset(days))
    month_days = {_number(item, MONTH_DAY_RANGE, "a day of the month") for item in _items(pattern)}
    return Recurrence(midnight, month_days=frozenset(month_days))


def recurrence(pattern_type: PatternType, pattern: str | None, start_time: str) -> Recurrence:
    return replace(parse_pattern(pattern_type, pattern), start=parse_start_time(start_time))
