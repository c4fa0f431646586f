"""Case-insensitive "contains" for names, written the way each database serves it fastest.

PostgreSQL matches ``LOWER(name) LIKE '%...%'``: the expression its trigram index covers.
SQLite's ``LIKE`` already folds ASCII case (and its ``LOWER`` folds nothing else), so plain
``name LIKE '%...%'`` is the same match without a function call per row, and it is answered
from the (tenant, name, deleted_at) index alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

ESCAPE = "/"


class ContainsFolded(FunctionElement[bool]):
    """``column`` contains ``fragment``, ignoring (ASCII) case."""

    type = Boolean()
    inherit_cache = True
    name = "contains_folded"

    def __init__(
        self, column: ColumnElement[Any] | InstrumentedAttribute[Any], fragment: str
    ) -> None:
        super().__init__(column, literal(f"%{_escaped(fragment.lower())}%"))


def _escaped(fragment: str) -> str:
    for special in (ESCAPE, "%", "_"):
        fragment = fragment.replace(special, ESCAPE + special)
    return fragment


def _parts(element: ContainsFolded, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    column, pattern = element.clauses
    return compiler.process(column, **kw), compiler.process(pattern, **kw)


@compiles(ContainsFolded)
def _lower_like(element: ContainsFolded, compiler: SQLCompiler, **kw: Any) -> str:
    column, pattern = _parts(element, compiler, **kw)
    return f"(lower({column}) LIKE {pattern} ESCAPE '{ESCAPE}')"


@compiles(ContainsFolded, "sqlite")
def _sqlite_like(element: ContainsFolded, compiler: SQLCompiler, **kw: Any) -> str:
    column, pattern = _parts(element, compiler, **kw)
    return f"({column} LIKE {pattern} ESCAPE '{ESCAPE}')"
