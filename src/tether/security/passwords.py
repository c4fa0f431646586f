"""argon2id hashes for user passwords and API client secrets."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_secret(plaintext: str) -> str:
    return _hasher.hash(plaintext)


def verify_secret(stored_hash: str, candidate: str) -> bool:
    try:
        return _hasher.verify(stored_hash, candidate)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A password a person can copy once: 24 URL-safe characters (~143 bits)."""
    return secrets.token_urlsafe(18)


# A dummy hash verified when the named principal does not exist, so that an unknown
# key costs the same time as a wrong secret and does not reveal which keys exist.
DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(18))
