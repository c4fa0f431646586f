"""Paged, sorted queries in the shape every ``.../search`` endpoint returns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from tether.errors import InvalidInput

T = TypeVar("T")

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class PageRequest:
    page_no: int = 1
    page_size: int = 100
    sort_name: str | None = None
    descending: bool = False

    def __post_init__(self) -> None:
        if self.page_no < 1:
            raise InvalidInput("pageNo", "must be 1 or more")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise InvalidInput("pageSize", f"must be between 1 and {MAX_PAGE_SIZE}")

    @property
    def offset(self) -> int:
        return (self.page_no - 1) * self.page_size


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    request: PageRequest

    @property
    def total_pages(self) -> int:
        return max(1, -(-self.total // self.request.page_size))

    @property
    def has_next(self) -> bool:
        return self.request.page_no < self.total_pages and self.total > 0


Sortable = ColumnElement[Any] | QueryableAttribute[Any]


def fetch_page(
    session: Session,
    stmt: Select[Any],
    request: PageRequest,
    sort_columns: Mapping[str, Sortable],
    default_sort: str,
    tiebreak: Sortable,
) -> Page[Any]:
    """Run ``stmt`` for one page. ``sort_columns`` maps the API's ``sortName`` values."""
    sort_name = request.sort_name or default_sort
    if sort_name not in sort_columns:
        allowed = ", ".join(sorted(sort_columns))
        raise InvalidInput("sortName", f"unknown sort key {sort_name!r}; use one of {allowed}")
    column = sort_columns[sort_name]
    order = column.desc() if request.descending else column.asc()
    tie = tiebreak.desc() if request.descending else tiebreak.asc()
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(
        stmt.order_by(order, tie).offset(request.offset).limit(request.page_size)
    ).all()
    return Page(items=rows, total=total, request=request)
