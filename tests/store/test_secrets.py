"""Secrets at rest: sealed in the database, scoped to their tenant, rotated crash-safely."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from tether.config import Settings
from tether.domain.tenancy import TenantKind
from tether.security.scoping import TenantScope, system_scope
from tether.security.secretbox import SecretBoxError, pending_key_path, read_key_file
from tether.services.bootstrap import new_tenant_id
from tether.services.keys import load_secret_box, rotate_master_key
from tether.store.db import Database
from tether.store.models import Tenant
from tether.store.repositories.secrets import SecretRepository
from tether.store.repositories.tenants import TenantDirectory

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _tenant(db: Database, name: str) -> TenantScope:
    with db.transaction() as session:
        ref = TenantDirectory(session).add_partner(
            Tenant(id=new_tenant_id(TenantKind.PARTNER), kind="partner", name=name)
        )
    return system_scope(ref)


def test_secrets_are_sealed_scoped_and_rotated(database: Database, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    box = load_secret_box(settings)
    key_file = settings.effective_master_key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    mine, other = _tenant(database, "Mine"), _tenant(database, "Other")
    with database.transaction() as session:
        secret_id = SecretRepository(session, mine).add(box, "aws.secret_access_key", SECRET)
    with database.transaction() as session:
        assert SecretRepository(session, mine).open(box, secret_id) == SECRET
        assert SecretRepository(session, mine).hint(secret_id) == "EKEY"
        assert SecretRepository(session, other).open(box, secret_id) is None

    old_key = read_key_file(key_file)
    rotation = rotate_master_key(database, settings)
    assert rotation.rewrapped == 1
    assert rotation.new_key_text is None
    assert not pending_key_path(key_file).exists()
    new_box = load_secret_box(settings)
    assert new_box.current != old_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with database.transaction() as session:
        assert SecretRepository(session, mine).open(new_box, secret_id) == SECRET
        with pytest.raises(SecretBoxError):
            SecretRepository(session, mine).open(box, secret_id)


def test_an_interrupted_rotation_loses_nothing(database: Database, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    box = load_secret_box(settings)
    scope = _tenant(database, "Mine")
    with database.transaction() as session:
        secret_id = SecretRepository(session, scope).add(box, "aws", SECRET)
    # Simulate a crash after the database was re-wrapped but before the key file moved.
    from tether.security.secretbox import MasterKey, SecretBox, write_key_file
    from tether.store.repositories.secrets import rewrap_all

    next_key = MasterKey.generate()
    write_key_file(pending_key_path(settings.effective_master_key_file), next_key)
    with database.transaction() as session:
        rewrap_all(session, SecretBox(next_key, (box.current,)))
    recovering = load_secret_box(settings)
    with database.transaction() as session:
        assert SecretRepository(session, scope).open(recovering, secret_id) == SECRET
    rotate_master_key(database, settings)  # finishes with the pending key
    assert read_key_file(settings.effective_master_key_file) == next_key
    with database.transaction() as session:
        assert SecretRepository(session, scope).open(load_secret_box(settings), secret_id) == SECRET


def test_the_database_holds_no_plaintext(database: Database, tmp_path: Path) -> None:
    box = load_secret_box(Settings(data_dir=tmp_path))
    scope = _tenant(database, "Mine")
    with database.transaction() as session:
        SecretRepository(session, scope).add(box, "aws", SECRET)
    if database.dialect == "sqlite":
        # The files themselves, WAL included: nothing readable even outside SQL.
        database.dispose()
        files = [p for p in tmp_path.iterdir() if p.name.startswith("tether.db")]
        assert files
        for path in files:
            assert SECRET.encode() not in path.read_bytes()
        return
    with database.transaction() as session:
        rows = session.execute(text("SELECT * FROM secrets")).all()
    assert rows
    for row in rows:
        for value in row:
            data = value if isinstance(value, bytes) else str(value).encode()
            assert SECRET.encode() not in data


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    load_secret_box(settings)
    settings.effective_master_key_file.chmod(0o644)
    with pytest.raises(SecretBoxError, match="chmod 600"):
        load_secret_box(settings)


def test_rotation_with_an_environment_key_returns_the_new_key(
    database: Database, tmp_path: Path
) -> None:
    from tether.security.secretbox import MasterKey

    key = MasterKey.generate()
    settings = Settings(data_dir=tmp_path, master_key=key.to_text())
    box = load_secret_box(settings)
    scope = _tenant(database, "Mine")
    with database.transaction() as session:
        secret_id = SecretRepository(session, scope).add(box, "aws", SECRET)
    rotation = rotate_master_key(database, settings)
    assert rotation.new_key_text is not None
    assert not settings.effective_master_key_file.exists()
    rotated = load_secret_box(Settings(data_dir=tmp_path, master_key=rotation.new_key_text))
    with database.transaction() as session:
        assert SecretRepository(session, scope).open(rotated, secret_id) == SECRET
