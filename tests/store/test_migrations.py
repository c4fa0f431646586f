"""Migrations run unchanged on SQLite and PostgreSQL and produce exactly the models."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from tether.store.db import Database
from tether.store.migrate import alembic_config, head_revision, upgrade
from tether.store.models import Base

# SQLite cannot reflect expression indexes; the one there is exists on PostgreSQL only.
SQLITE_SKIPS_TRGM = "ignore:autogenerate skipping metadata-specified expression-based index"


def _differences(database: Database) -> list[object]:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


@pytest.mark.filterwarnings(SQLITE_SKIPS_TRGM)
def test_schema_from_migrations_equals_models(database: Database) -> None:
    assert _differences(database) == []
    indexes = {index["name"] for index in inspect(database.engine).get_indexes("resources")}
    assert ("ix_resources_name_trgm" in indexes) is (database.dialect == "postgresql")


def test_upgrade_is_idempotent_and_reaches_head(database: Database) -> None:
    upgrade(database.engine)
    upgrade(database.engine)
    assert database.schema_revision() == head_revision()
    assert head_revision() is not None


@pytest.mark.filterwarnings(SQLITE_SKIPS_TRGM)
def test_the_latest_migration_downgrades_and_upgrades_again(database: Database) -> None:
    head = head_revision()
    assert head is not None
    assert head.isdigit()
    config = alembic_config(database.url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, f"{int(head) - 1:04d}")
    assert database.schema_revision() == f"{int(head) - 1:04d}"
    upgrade(database.engine)
    assert database.schema_revision() == head
    assert _differences(database) == []
