"""Sealed secrets. Reading one needs its tenant's scope; only key rotation sees them all."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from tether.security.secretbox import Sealed, SecretBox
from tether.store.models import Secret
from tether.store.repositories.base import ScopedRepository


def _context(tenant_id: str, secret_id: str, purpose: str) -> str:
    # Bound into the ciphertext: a sealed value moved to another row or tenant won't open.
    return f"{tenant_id}/{secret_id}/{purpose}"


def _sealed(row: Secret) -> Sealed:
    return Sealed(row.ciphertext, row.nonce, row.wrapped_key, row.wrap_nonce, row.master_key_id)


class SecretRepository(ScopedRepository):
    def add(self, box: SecretBox, purpose: str, plaintext: str) -> str:
        secret_id = str(uuid.uuid4())
        sealed = box.seal(plaintext, _context(self.tenant_id, secret_id, purpose))
        self.session.add(
            Secret(
                id=secret_id,
                tenant_id=self.tenant_id,
                purpose=purpose,
                ciphertext=sealed.ciphertext,
                nonce=sealed.nonce,
                wrapped_key=sealed.wrapped_key,
                wrap_nonce=sealed.wrap_nonce,
                master_key_id=sealed.master_key_id,
                hint=plaintext[-4:] if len(plaintext) > 8 else "",
            )
        )
        # Rows that reference the secret may follow in this transaction: insert it now.
        self.session.flush()
        return secret_id

    def _row(self, secret_id: str) -> Secret | None:
        return self.session.scalars(
            select(Secret).where(Secret.tenant_id == self.tenant_id, Secret.id == secret_id)
        ).first()

    def open(self, box: SecretBox, secret_id: str) -> str | None:
        row = self._row(secret_id)
        if row is None:
            return None
        return box.open(_sealed(row), _context(row.tenant_id, row.id, row.purpose))

    def hint(self, secret_id: str) -> str | None:
        row = self._row(secret_id)
        return row.hint if row else None

    def delete(self, secret_id: str) -> None:
        row = self._row(secret_id)
        if row is not None:
            self.session.delete(row)


def rewrap_all(session: Session, box: SecretBox) -> int:
    """Re-wrap every data key with ``box.current`` (master key rotation, all tenants)."""
    count = 0
    rows: Iterator[Secret] = iter(session.scalars(select(Secret).order_by(Secret.id)).all())
    for row in rows:
        fresh = box.rewrap(_sealed(row))
        row.wrapped_key, row.wrap_nonce = fresh.wrapped_key, fresh.wrap_nonce
        row.master_key_id = fresh.master_key_id
        count += 1
    return count
