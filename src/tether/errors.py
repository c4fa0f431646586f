"""The exception hierarchy every layer raises and every entry point renders.

``TetherError``
 ├── ``InvalidInput``        bad input; names the field (HTTP 400)
 ├── ``AuthenticationFailed`` missing, wrong, expired or revoked credentials (HTTP 401)
 ├── ``PermissionDenied``    authenticated, but the role may not do this (HTTP 403)
 ├── ``NotFound``            absent, or belongs to a tenant the caller cannot reach (HTTP 404)
 ├── ``Conflict``            clashes with what is stored (HTTP 409)
 └── ``ServiceUnavailable``  a dependency (the database) is down; retry later (HTTP 503)
"""

from __future__ import annotations

from typing import Any


class TetherError(Exception):
    code: str = "error"
    status: int = 500
    # Structured detail an entry point may show beside the message (never secrets).
    details: dict[str, Any] | None = None

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidInput(TetherError):
    code = "invalid_request"
    status = 400

    def __init__(self, field: str, message: str, *, code: str | None = None) -> None:
        super().__init__(f"{field}: {message}", code=code)
        self.field = field


class AuthenticationFailed(TetherError):
    code = "unauthorized"
    status = 401


class PermissionDenied(TetherError):
    code = "forbidden"
    status = 403


class NotFound(TetherError):
    code = "not_found"
    status = 404


class Conflict(TetherError):
    code = "conflict"
    status = 409


class ServiceUnavailable(TetherError):
    code = "service_unavailable"
    status = 503
