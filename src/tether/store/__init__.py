"""Persistence: SQLAlchemy models, tenant-scoped repositories and Alembic migrations."""
