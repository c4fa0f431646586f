"""Temporary credentials that expire, as AWS's are and moto's are not.

The proxy notes the access key id and Expiration of every set of temporary credentials STS
hands out through it, and refuses requests signed with that key once it has expired. The
check is a dictionary lookup keyed by the access key id in the request's SigV4 scope.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

# STS actions whose answer carries `Credentials`.
CREDENTIAL_ACTIONS = frozenset(
    {
        "AssumeRole",
        "AssumeRoleWithSAML",
        "AssumeRoleWithWebIdentity",
        "GetFederationToken",
        "GetSessionToken",
    }
)
# AWS gives temporary credentials ASIA keys. moto answers GetSessionToken and
# GetFederationToken with one fixed AKIA example key shared by every caller, which must not
# be taken for a session of its own.
TEMPORARY_KEY_PREFIX = "ASIA"

_CREDENTIALS = re.compile(rb"<Credentials>(.*?)</Credentials>", re.DOTALL)
_ACCESS_KEY_ID = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
_EXPIRATION = re.compile(rb"<Expiration>([^<]+)</Expiration>")


def issued_credentials(body: bytes) -> tuple[str, datetime] | None:
    """The temporary access key id and its Expiration in an STS answer, if it has them."""
    credentials = _CREDENTIALS.search(body)
    if credentials is None:
        return None
    key = _ACCESS_KEY_ID.search(credentials.group(1))
    expiration = _EXPIRATION.search(credentials.group(1))
    if key is None or expiration is None:
        return None
    access_key_id = key.group(1).decode()
    if not access_key_id.startswith(TEMPORARY_KEY_PREFIX):
        return None
    text = expiration.group(1).decode().replace("Z", "+00:00")
    return access_key_id, datetime.fromisoformat(text).astimezone(UTC)


class SessionRegistry:
    """Expirations by access key id, and whether to enforce them; safe from any thread.

    Entries are kept for the life of the proxy: an expired key stays expired.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expires_at: dict[str, float] = {}
        self._enforced = True

    @property
    def enforced(self) -> bool:
        return self._enforced

    @enforced.setter
    def enforced(self, value: bool) -> None:
        self._enforced = value

    def record(self, access_key_id: str, expiration: datetime) -> None:
        with self._lock:
            self._expires_at[access_key_id] = expiration.timestamp()

    def record_answer(self, body: bytes) -> bytes:
        """Note the credentials in an STS answer; the answer is returned unchanged."""
        issued = issued_credentials(body)
        if issued is not None:
            self.record(*issued)
        return body

    def expiration(self, access_key_id: str) -> datetime | None:
        with self._lock:
            expires_at = self._expires_at.get(access_key_id)
        return None if expires_at is None else datetime.fromtimestamp(expires_at, UTC)

    def is_expired(self, access_key_id: str, now: float | None = None) -> bool:
        """True when enforcement is on and the key is a session past its Expiration."""
        if not self._enforced:
            return False
        with self._lock:
            expires_at = self._expires_at.get(access_key_id)
        return expires_at is not None and (time.time() if now is None else now) >= expires_at
