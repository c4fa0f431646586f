"""Geometry of the console's pictures, drawn as SVG by the templates (no script library).

``area_chart``: stacked areas of daily counts, with axes, ticks, legend and the numbers
for a table. ``neighbourhood``: a resource in the centre, what it points at and what points
at it around it, coloured by type.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from tether.catalog.common import arn_name
from tether.catalog.registry import resource_type
from tether.services.inventory_stats import OTHER, Trend

# Distinguishable on white and for the common colour-vision deficiencies (Okabe-Ito based).
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#7a6a00",
    "#6a3d9a",
    "#1b7f79",
    "#b8860b",
)
OTHER_COLOUR = "#9aa5b1"


def type_title(code: str) -> str:
    spec = resource_type(code)
    return spec.title if spec else code


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def day_label(day: date) -> str:
    return f"{day:%b} {day.day}"


# --- stacked area chart ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Band:
    label: str
    colour: str
    area: str  # the band's outline, an SVG path
    edge: str  # its top edge, drawn as a line over the fill
    latest: int


@dataclass(frozen=True, slots=True)
class Tick:
    at: float
    label: str
    anchor: str = "middle"  # the last day's label ends at the axis' end, not past it


@dataclass(frozen=True, slots=True)
class AreaChart:
    key: str  # for element ids
    title: str
    description: str
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    bands: tuple[Band, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    x_label: str
    y_label: str
    headers: tuple[str, ...]  # the table fallback: a column per series, then the total
    rows: tuple[tuple[str, tuple[int, ...]], ...]  # (day, counts per series + total)


def nice_ceiling(value: int, most_ticks: int = 5) -> tuple[int, int]:
    """An axis top at or above ``value``, and a step (1, 2 or 5 times a power of ten)
    that gives at most ``most_ticks`` intervals."""
    value = max(value, 1)
    magnitude = 10 ** max(0, int(math.log10(value)) - 1)
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if math.ceil(value / step) <= most_ticks:
                return math.ceil(value / step) * step, step
        magnitude *= 10


def _polyline(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(
        f"{'M' if index == 0 else 'L'}{x:.1f},{y:.1f}" for index, (x, y) in enumerate(points)
    )


def area_chart(
    trend: Trend, title: str, width: int = 760, height: int = 250, x_ticks: int = 6
) -> AreaChart:
    left, top, right, bottom = 56.0, 14.0, width - 16.0, height - 46.0
    days = trend.days
    totals = trend.totals
    y_max, step = nice_ceiling(max(totals, default=0))

    def x_of(index: int) -> float:
        if len(days) == 1:
            return (left + right) / 2
        return left + (right - left) * index / (len(days) - 1)

    def y_of(count: float) -> float:
        return bottom - (bottom - top) * count / y_max

    bands: list[Band] = []
    floor = [0] * len(days)
    for index, series in enumerate(trend.series):
        colour = OTHER_COLOUR if series.key == OTHER else PALETTE[index % len(PALETTE)]
        ceiling = [base + count for base, count in zip(floor, series.counts, strict=True)]
        upper = [(x_of(i), y_of(value)) for i, value in enumerate(ceiling)]
        lower = [(x_of(i), y_of(value)) for i, value in reversed(list(enumerate(floor)))]
        if len(days) == 1:  # one day: a bar, not a line of no width
            (x, _), half = upper[0], min(40.0, (right - left) / 4)
            upper = [(x - half, upper[0][1]), (x + half, upper[0][1])]
            lower = [(x + half, lower[0][1]), (x - half, lower[0][1])]
        bands.append(
            Band(
                label=series.label,
                colour=colour,
                area=_polyline(upper + lower) + " Z",
                edge=_polyline(upper),
                latest=series.latest,
            )
        )
        floor = ceiling
    every = max(1, math.ceil(len(days) / x_ticks))
    shown = [i for i in range(len(days)) if (len(days) - 1 - i) % every == 0]
    latest = ", ".join(f"{band.label} {band.latest}" for band in bands)
    first, last = day_label(days[0]), day_label(days[-1])
    description = (
        f"Stacked areas: resources at the end of each day (UTC), {first} to {last}. "
        f"On {last}: {latest or 'none'}; {totals[-1] if totals else 0} in all."
    )
    return AreaChart(
        key=trend.dimension,
        title=title,
        description=description,
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        bands=tuple(bands),
        y_ticks=tuple(Tick(y_of(v), str(v)) for v in range(0, y_max + 1, step)),
        x_ticks=tuple(
            Tick(x_of(i), day_label(days[i]), "end" if x_of(i) > right - 20 else "middle")
            for i in shown
        ),
        x_label="Day (UTC)",
        y_label="Resources",
        headers=(*(s.label for s in trend.series), "Total"),
        rows=tuple(
            (day_label(day), (*(s.counts[i] for s in trend.series), totals[i]))
            for i, day in reversed(list(enumerate(days)))
        ),
    )


# --- relationship neighbourhood ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A resource next to the one in view: ``outgoing`` it is pointed at, else it points
    at the one in view. ``href`` None: not in the inventory."""

    type_code: str
    arn: str
    name: str | None
    href: str | None
    deleted: bool
    outgoing: bool


@dataclass(frozen=True, slots=True)
class Node:
    x: float
    y: float
    label: str
    title: str  # the tooltip and accessible name: name, type, ARN
    colour: str
    href: str | None
    deleted: bool
    radius: float


@dataclass(frozen=True, slots=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    label_x: float
    label_y: float
    both_ways: bool  # the two point at each other


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    width: int
    height: int
    centre: Node
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    legend: tuple[tuple[str, str], ...]  # (type title, colour)
    hidden: int  # neighbours left out of the picture (all are in the tables)
    description: str


def _colours(codes: Sequence[str]) -> dict[str, str]:
    """A colour per type, in order of appearance: unique for up to ten types."""
    found: dict[str, str] = {}
    for code in codes:
        if code not in found:
            found[code] = PALETTE[len(found) % len(PALETTE)]
    return found


def _merged(neighbours: Sequence[Neighbour]) -> list[tuple[Neighbour, bool]]:
    """One entry per ARN; True when the two resources point at each other."""
    by_arn: dict[str, tuple[Neighbour, bool]] = {}
    for item in neighbours:
        if item.arn in by_arn:
            first, _ = by_arn[item.arn]
            by_arn[item.arn] = (first, first.outgoing != item.outgoing)
        else:
            by_arn[item.arn] = (item, False)
    return list(by_arn.values())


def neighbourhood(
    centre_type: str,
    centre_name: str,
    centre_arn: str,
    neighbours: Sequence[Neighbour],
    width: int = 760,
    height: int = 440,
    most: int = 14,
) -> Neighbourhood:
    merged = _merged(neighbours)
    shown, hidden = merged[:most], max(0, len(merged) - most)
    if len(shown) <= 2:  # one row: left and right of the centre
        height = min(height, 220)
    colours = _colours([centre_type, *(item.type_code for item, _ in shown)])
    cx, cy = width / 2, height / 2 - 8
    rx, ry = width / 2 - 110, max(height / 2 - 70, 0)
    centre = Node(
        x=cx,
        y=cy,
        label=_short(centre_name, 28),
        title=f"{centre_name} ({type_title(centre_type)}): {centre_arn}",
        colour=colours[centre_type],
        href=None,
        deleted=False,
        radius=24.0,
    )
    nodes: list[Node] = []
    edges: list[Edge] = []
    count = len(shown)
    offset = 0.0 if count <= 2 else -math.pi / 2 + math.pi / count
    for index, (item, both_ways) in enumerate(shown):
        angle = offset + 2 * math.pi * index / max(count, 1)
        x, y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
        name = item.name or arn_name(item.arn)
        where = "" if item.href else " — not in the inventory"
        gone = " (deleted)" if item.deleted else ""
        title = f"{name}{gone} ({type_title(item.type_code)}): {item.arn}{where}"
        node = Node(
            x=x,
            y=y,
            label=_short(name, 22),
            title=title,
            colour=colours[item.type_code],
            href=item.href,
            deleted=item.deleted,
            radius=16.0,
        )
        nodes.append(node)
        edges.append(_edge(centre, node, type_title(item.type_code), item.outgoing, both_ways))
    pointing_at = sum(1 for item, _ in merged if item.outgoing)
    described = (
        f"{centre_name} points at {pointing_at} resource(s); "
        f"{len(merged) - pointing_at} resource(s) point at it."
    )
    if hidden:
        described += f" {hidden} more are listed in the tables only."
    return Neighbourhood(
        width=width,
        height=height,
        centre=centre,
        nodes=tuple(nodes),
        edges=tuple(edges),
        legend=tuple((type_title(code), colour) for code, colour in colours.items()),
        hidden=hidden,
        description=described,
    )


def _edge(centre: Node, node: Node, label: str, outgoing: bool, both_ways: bool) -> Edge:
    """A line between the circles' rims, from the resource that holds the relationship."""
    dx, dy = node.x - centre.x, node.y - centre.y
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    start = (centre.x + ux * (centre.radius + 2), centre.y + uy * (centre.radius + 2))
    end = (node.x - ux * (node.radius + 4), node.y - uy * (node.radius + 4))
    if not outgoing:
        start, end = end, start
    middle = 0.55
    return Edge(
        x1=start[0],
        y1=start[1],
        x2=end[0],
        y2=end[1],
        label=_short(label, 26),
        label_x=centre.x + dx * middle,
        label_y=centre.y + dy * middle - 4,
        both_ways=both_ways,
    )
