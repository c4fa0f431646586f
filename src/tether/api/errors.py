"""Every error leaves the API as JSON ``{"code", "message"}`` with the right status."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from tether.errors import AuthenticationFailed, TetherError
from tether.services.access import scope_for
from tether.services.auth import authenticate_bearer
from tether.store.db import Database

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: list[str] | None = None


def error_response(
    status: int,
    code: str,
    message: str,
    fields: list[str] | None = None,
    details: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if details:
        body.update(details)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("body", "credential", "Regions") -> "credential.Regions"; ("query", "pageNo") -> "pageNo"
    parts = [str(part) for part in loc[1:]] if loc and loc[0] in {"body", "query", "path"} else []
    return ".".join(parts) or (str(loc[0]) if loc else "body")


def _validation_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    return str(error.get("msg", "is not valid")).removeprefix("Value error, ")


async def refused_caller(request: Request, errors: list[dict[str, Any]]) -> JSONResponse | None:
    """The answer to a caller who may not make this request at all, if so: to be given
    before any word about its input."""
    refusal = await run_in_threadpool(_access_refusal, request, errors)
    return None if refusal is None else await _on_tether_error(request, refusal)


def _access_refusal(request: Request, errors: list[dict[str, Any]]) -> TetherError | None:
    """Who may call comes before what was sent: FastAPI validates a body before the route's
    dependencies run, so a refused caller would otherwise learn about the input (and a
    viewer get 400 for a write it may not make). Every API write is refused to viewers."""
    if not request.url.path.startswith("/api/"):
        return None
    db = request.app.state.db
    assert isinstance(db, Database)
    try:
        principal = authenticate_bearer(db, request.headers.get("authorization"))
        tenant_id = request.path_params.get("tenantId")
        if tenant_id is None or any(e.get("loc") == ("path", "tenantId") for e in errors):
            return None
        scope = scope_for(db, principal, str(tenant_id))
        if request.method not in {"GET", "HEAD", "OPTIONS"}:
            scope.require_write()
    except TetherError as refusal:
        return refusal
    return None


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    refused = await refused_caller(request, errors)
    if refused is not None:
        return refused
    if any(error.get("type") == "json_invalid" for error in errors):
        return error_response(400, "malformed_json", "the request body is not valid JSON")
    fields = [_field_name(tuple(error.get("loc", ()))) for error in errors]
    message = "; ".join(
        f"{field}: {_validation_message(error)}"
        for field, error in zip(fields, errors, strict=True)
    )
    return error_response(400, "invalid_request", message, sorted(set(fields)))


async def _on_tether_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TetherError)
    fields = [exc.field] if hasattr(exc, "field") else None
    if isinstance(exc, AuthenticationFailed):
        log.info("authentication failed: %s", exc.code)
    return error_response(exc.status, exc.code, exc.message, fields, exc.details)


async def _on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {
        400: "invalid_request",
        404: "not_found",
        405: "method_not_allowed",
        413: "payload_too_large",
    }
    code = codes.get(exc.status_code, "http_error")
    message = "no such endpoint" if exc.status_code == 404 else str(exc.detail)
    return error_response(exc.status_code, code, message)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    reference = uuid.uuid4().hex[:12]
    log.error(
        "unhandled %s on %s %s (reference %s)",
        type(exc).__name__,
        request.method,
        request.url.path,
        reference,
        exc_info=exc,
    )
    return error_response(500, "internal_error", f"internal error; reference {reference}")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(TetherError, _on_tether_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in {
        400: "Bad input; the message names the field",
        401: "Missing, wrong or expired bearer token",
        403: "The role may not do this",
        404: "Absent, or not reachable by the caller",
        409: "Conflicts with what is stored",
        413: "Body too large",
        503: "The database is unavailable",
    }.items()
}
