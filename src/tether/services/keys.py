"""The master key: where it comes from, and rotating it."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from tether.config import Settings
from tether.security.secretbox import (
    MasterKey,
    SecretBox,
    SecretBoxError,
    pending_key_path,
    read_key_file,
    write_key_file,
)
from tether.store.db import Database
from tether.store.repositories.secrets import rewrap_all

log = logging.getLogger(__name__)


def load_secret_box(settings: Settings) -> SecretBox:
    """The box for this process: ``TETHER_MASTER_KEY``, else the key file (made if absent).

    A rotation interrupted between writing the next key and renaming it leaves both files;
    both are loaded then, so every secret opens whichever key wrapped it.
    """
    if settings.master_key is not None:
        return SecretBox(MasterKey.from_text(settings.master_key.get_secret_value()))
    path = settings.effective_master_key_file
    if not path.exists():
        write_key_file(path, MasterKey.generate())
        log.info("created master key file %s (mode 0600)", path)
    elif path.stat().st_mode & 0o077:
        raise SecretBoxError(f"{path} is readable by others; run: chmod 600 {path}")
    current = read_key_file(path)
    pending = pending_key_path(path)
    previous = (read_key_file(pending),) if pending.exists() else ()
    return SecretBox(current, previous)


@dataclass(frozen=True, slots=True)
class Rotation:
    rewrapped: int
    key_id: str
    # Set only when the key comes from TETHER_MASTER_KEY: the operator must install it.
    new_key_text: str | None


def rotate_master_key(db: Database, settings: Settings) -> Rotation:
    """Re-wrap every data key under a new master key, crash-safely.

    Key file: the new key is written next to the old one first, the database is re-wrapped
    in one transaction, then the new file replaces the old. Environment key: the database
    is re-wrapped and the new key is returned for the operator to put in TETHER_MASTER_KEY.
    """
    old_box = load_secret_box(settings)
    new_key = MasterKey.generate()
    if settings.master_key is not None:
        count = _rewrap(db, SecretBox(new_key, (old_box.current,)))
        return Rotation(count, new_key.key_id, new_key.to_text())
    path = settings.effective_master_key_file
    pending = pending_key_path(path)
    if pending.exists():
        # Finish the interrupted rotation with the key it had already written.
        new_key = read_key_file(pending)
    else:
        write_key_file(pending, new_key)
    count = _rewrap(db, SecretBox(new_key, (old_box.current,)))
    os.replace(pending, path)
    return Rotation(count, new_key.key_id, None)


def _rewrap(db: Database, box: SecretBox) -> int:
    with db.transaction() as session:
        return rewrap_all(session, box)
