"""Opaque random credentials. Only their SHA-256 digest is stored."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_api_key() -> str:
    # Public half of an API client credential, like OpsRamp's client_id.
    return "tk_" + secrets.token_hex(16)


def new_api_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
