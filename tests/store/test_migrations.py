"""Migrations run unchanged on SQLite and PostgreSQL and produce exactly the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tether.store.db import Database
from tether.store.migrate import head_revision, upgrade
from tether.store.models import Base


def test_schema_from_migrations_equals_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_is_idempotent_and_reaches_head(database: Database) -> None:
    upgrade(database.engine)
    upgrade(database.engine)
    assert database.schema_revision() == head_revision()
    assert head_revision() is not None
