"""The External ID a trusting account's role demands on sts:AssumeRole.

It defends against the confused-deputy problem: it is not a secret, but it must be
unguessable and unique per client, so Tether generates one when the user has none.
"""

from __future__ import annotations

import secrets

from tether.domain.credentials import validate_external_id

# 32 random bytes give 43 URL-safe characters, all inside STS's alphabet.
_RANDOM_BYTES = 32


def generate_external_id() -> str:
    """A fresh, unguessable External ID (43 characters of ``[A-Za-z0-9_-]``)."""
    return secrets.token_urlsafe(_RANDOM_BYTES)


__all__ = ["generate_external_id", "validate_external_id"]
