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
    def on_this_database(obj: object, name: str | None, kind: str, *_: object) -> bool:
        # An index the models build on one dialect only (``ddl_if``) is not expected elsewhere.
        only_on = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
        return only_on is None or only_on == database.dialect

    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": on_this_database}
        )
        return list(compare_metadata(context, Base.metadata))


@pytest.mark.filterwarnings(SQLITE_SKIPS_TRGM)
def test_schema_from_migrations_equals_models(database: Database) -> None:
    assert _differences(database) == []
    indexes = {index["name"] for index in inspect(database.engine).get_indexes("resources")}
    assert ("ix_resources_name_trgm" in indexes) is (database.dialect == "postgresql")
    assert ("ix_resources_tenant_tags" in indexes) is (database.dialect == "sqlite")
    assert "ix_resources_tenant_live" in indexes


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
