"""Database fixtures: every store test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import create_database, drop_database, postgres_server
from tests.support.secrets import check_database_files
from tether.store.db import Database
from tether.store.migrate import upgrade

TEMPLATE = "tether_template"


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    with postgres_server() as url:
        drop_database(url, TEMPLATE)
        template_url = create_database(url, TEMPLATE)
        template_db = Database(template_url)
        upgrade(template_db.engine)
        template_db.dispose()
        yield url


def _sqlite(tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "tether.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    yield db
    db.dispose()
    # Secrets are sealed and tokens digested: no known one may be in any page of the file.
    check_database_files(path)


def _postgres(admin_url: str) -> Iterator[Database]:
    name = "t_" + secrets.token_hex(6)
    db = Database(create_database(admin_url, name, template=TEMPLATE))
    yield db
    db.dispose()
    drop_database(admin_url, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database; the test runs once on each backend."""
    if request.param == "sqlite":
        yield from _sqlite(tmp_path)
    else:
        yield from _postgres(request.getfixturevalue("postgres_admin_url"))


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty SQLite database, for tests that are not about storage."""
    yield from _sqlite(tmp_path)
