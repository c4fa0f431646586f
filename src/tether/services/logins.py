"""Console logins: a user's password for a session token, and throttling of guesses.

A console session is an ``AccessToken`` of the user, kept only as its digest like every
token, so logging out (or disabling the user) revokes it; the browser holds the token in
an HttpOnly cookie.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import timedelta

from tether.domain.tenancy import Principal, Role
from tether.errors import AuthenticationFailed, TetherError
from tether.security import tokens
from tether.security.passwords import DUMMY_HASH, verify_secret
from tether.security.scoping import system_scope
from tether.services.auth import authenticate_bearer
from tether.store.db import Database
from tether.store.models import AccessToken
from tether.store.repositories.identity import AccessTokenRepository, CredentialDirectory
from tether.store.repositories.tenants import TenantDirectory
from tether.store.types import utcnow

SESSION_SECONDS = 8 * 3600


class TooManyAttempts(TetherError):
    code = "too_many_attempts"
    status = 429


class LoginThrottle:
    """At most ``limit`` failed logins per (client address, username) per ``window``
    seconds; a success clears the count. In memory: per process."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def check(self, address: str, username: str) -> None:
        with self._lock:
            failures = self._recent((address, username.lower()), time.monotonic())
            if len(failures) >= self.limit:
                wait = int(failures[0] + self.window - time.monotonic()) + 1
                raise TooManyAttempts(f"too many failed logins: try again in {wait} s")

    def failed(self, address: str, username: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent((address, username.lower()), now).append(now)

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._failures.pop((address, username.lower()), None)


def login(db: Database, username: str, password: str, ttl_seconds: int = SESSION_SECONDS) -> str:
    """A new session token for the user, or ``AuthenticationFailed`` (same message for an
    unknown user and a wrong password, checked in the same time)."""
    with db.transaction() as session:
        user = CredentialDirectory(session).user_by_username(username)
        valid = verify_secret(user.password_hash if user else DUMMY_HASH, password)
        if user is None or not valid or user.disabled_at is not None:
            raise AuthenticationFailed("wrong username or password", code="login_failed")
        tenant = TenantDirectory(session).ref(user.tenant_id)
        assert tenant is not None, "a user's tenant exists (foreign key)"
        token = tokens.new_token()
        AccessTokenRepository(session, system_scope(tenant)).add(
            AccessToken(
                token_digest=tokens.digest(token),
                user_id=user.id,
                scope=Role(user.role).oauth_scope,
                expires_at=utcnow() + timedelta(seconds=ttl_seconds),
            )
        )
    return token


def session_principal(db: Database, token: str) -> Principal:
    """Who the session token belongs to; ``AuthenticationFailed`` if it is no longer valid."""
    return authenticate_bearer(db, f"Bearer {token}")


def logout(db: Database, token: str) -> None:
    """Revoke the session token (it stays revoked, as every token does)."""
    with db.transaction() as session:
        row = CredentialDirectory(session).token_by_digest(tokens.digest(token))
        if row is not None and row.revoked_at is None:
            row.revoked_at = utcnow()
