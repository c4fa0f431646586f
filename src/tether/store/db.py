"""Engine and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tether.errors import ServiceUnavailable


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or none)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while a scan writes; the busy timeout waits out a writer
    # instead of failing at once with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


# SQLite reports schema mistakes as OperationalError too; only these mean "try again later".
_SQLITE_TRANSIENT = ("database is locked", "unable to open database", "disk i/o error")


def _is_unavailable(exc: OperationalError) -> bool:
    """Whether the database is unreachable or busy, as opposed to a query being wrong."""
    if exc.connection_invalidated:
        return True
    message = str(exc.orig).lower()
    if "sqlite" in type(exc.orig).__module__:
        return any(text in message for text in _SQLITE_TRANSIENT)
    # psycopg raises OperationalError for connection failures only; bad SQL is a
    # ProgrammingError.
    return True


class Database:
    """One engine and its session factory; ``transaction()`` is the unit of work."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except OperationalError as exc:
            if not _is_unavailable(exc):
                raise
            raise ServiceUnavailable(
                f"the database is unavailable ({type(exc.orig).__name__})",
                code="database_unavailable",
            ) from exc

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at; also proves it answers."""
        from alembic.runtime.migration import MigrationContext  # slow import, rarely needed

        with self.transaction() as session:
            return MigrationContext.configure(session.connection()).get_current_revision()

    def dispose(self) -> None:
        self.engine.dispose()
