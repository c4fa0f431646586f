"""The PostgreSQL pool: sized by the settings, a busy or unreachable server is a 503, and
connections a server restart killed are replaced rather than failing requests."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select, text

from tests.support.postgres import create_database, drop_database
from tether.config import Settings
from tether.errors import ServiceUnavailable
from tether.store.db import Database, PoolSettings


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    name = "pool_" + secrets.token_hex(6)
    drop_database(postgres_admin_url, name)
    yield create_database(postgres_admin_url, name)
    drop_database(postgres_admin_url, name)


def test_the_settings_size_the_pool_and_a_full_pool_is_a_503(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url=postgres_url,
        db_pool_size=2,
        db_max_overflow=1,
        db_pool_recycle=600,
        db_pool_timeout=0.5,
    )
    db = Database.from_settings(settings)
    try:
        with ExitStack() as held:
            for _ in range(3):  # the pool and its overflow
                held.enter_context(db.transaction()).execute(select(1))
            with pytest.raises(ServiceUnavailable) as caught, db.transaction() as session:
                session.execute(select(1))
        assert caught.value.code == "database_unavailable"
        with db.transaction() as session:  # connections are back in the pool
            assert session.scalar(select(1)) == 1
        assert db.engine.pool.size() == 2  # type: ignore[attr-defined]
        assert db.engine.pool._recycle == 600  # type: ignore[attr-defined]
    finally:
        db.dispose()


def test_connections_a_restart_killed_are_replaced(
    postgres_url: str, postgres_admin_url: str
) -> None:
    db = Database(postgres_url)
    try:
        with db.transaction() as session:
            backend = session.scalar(text("SELECT pg_backend_pid()"))
        # What a restart does to every pooled connection: the server ends it.
        with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
        with db.transaction() as session:
            assert session.scalar(text("SELECT pg_backend_pid()")) != backend
    finally:
        db.dispose()


def test_a_server_that_never_answers_is_a_503_within_the_connect_timeout() -> None:
    """The kernel accepts the TCP connection; nothing ever speaks PostgreSQL on it."""
    pool = ThreadPoolExecutor(max_workers=1)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        db = Database(
            f"postgresql://tether@127.0.0.1:{port}/tether", PoolSettings(connect_timeout=1)
        )

        def connect() -> None:
            with db.transaction() as session:
                session.execute(select(1))

        try:
            # Generous: the timeout is 1 s; without one this would wait for ever.
            with pytest.raises(ServiceUnavailable):
                pool.submit(connect).result(timeout=30)
        finally:
            pool.shutdown(wait=False)
            db.dispose()


def test_sqlite_keeps_its_own_pool(tmp_path: Path) -> None:
    db = Database.from_settings(Settings(data_dir=tmp_path, db_pool_size=1, db_max_overflow=0))
    try:
        with db.transaction() as first, db.transaction() as second:
            assert first.scalar(select(1)) == second.scalar(select(1)) == 1
    finally:
        db.dispose()
