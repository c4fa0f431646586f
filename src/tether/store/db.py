"""Engine and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from tether.errors import ServiceUnavailable

if TYPE_CHECKING:
    from tether.config import Settings


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or none)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while a scan writes; the busy timeout waits out a writer
    # instead of failing at once with "database is locked" (generously: on a busy machine
    # the writers of several concurrent scans queue for the one write lock).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """PostgreSQL connection pooling, per process (SQLite keeps SQLAlchemy's own pool).

    ``size`` connections stay open and ``max_overflow`` more open under load; a request
    waits ``timeout`` seconds for one, then gets a 503. Connections older than ``recycle``
    seconds are replaced (-1: never), and each is pinged before use, so a restarted server
    costs one failed ping, not a failed request. ``connect_timeout`` bounds a connection
    attempt: an unreachable server is a quick 503, not a hang.
    """

    size: int = 5
    max_overflow: int = 10
    recycle: int = 1800
    timeout: float = 10.0
    connect_timeout: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> PoolSettings:
        return cls(
            size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            recycle=settings.db_pool_recycle,
            timeout=settings.db_pool_timeout,
        )


def make_engine(url: str, pool: PoolSettings | None = None) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    pool = pool or PoolSettings()
    # A connect_timeout in the URL wins over the default.
    connect_args = (
        {} if "connect_timeout" in parsed.query else {"connect_timeout": pool.connect_timeout}
    )
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_recycle=pool.recycle,
        pool_timeout=pool.timeout,
        connect_args=connect_args,
    )


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

    def __init__(self, url: str, pool: PoolSettings | None = None) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, pool)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database the settings name, pooled as they say."""
        return cls(settings.effective_database_url, PoolSettings.from_settings(settings))

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
        except PoolTimeout as exc:
            # Every pooled connection is busy: the same answer as a database that is down.
            raise ServiceUnavailable(
                "the database is busy: no free connection", code="database_unavailable"
            ) from exc

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at; also proves it answers."""
        from alembic.runtime.migration import MigrationContext  # slow import, rarely needed

        with self.transaction() as session:
            return MigrationContext.configure(session.connection()).get_current_revision()

    def dispose(self) -> None:
        self.engine.dispose()
