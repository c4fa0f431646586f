"""Errors on console pages are pages; the API keeps its JSON errors."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from tether.errors import TetherError
from tether.web.session import LoginRequired
from tether.web.templating import render

# Paths that are not console pages: their errors stay JSON.
NOT_CONSOLE = ("/api/", "/tenancy/", "/docs", "/redoc", "/openapi.json", "/static/",
               "/healthz", "/readyz", "/metrics")  # fmt: skip


def is_console(request: Request) -> bool:
    return not request.url.path.startswith(NOT_CONSOLE)


async def _on_login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if request.headers.get("x-tether-fetch"):
        return Response(status_code=401)  # a script's request: it reloads to the login
    return RedirectResponse(f"/login?next={quote(exc.next_url, safe='/')}", status_code=303)


async def _answer(result: Response | Awaitable[Response]) -> Response:
    return await result if inspect.isawaitable(result) else result


def install_console_error_pages(app: FastAPI) -> None:
    """Wrap the API's handlers: console paths get an HTML page with the same status."""
    api_tether = app.exception_handlers[TetherError]
    api_http = app.exception_handlers[StarletteHTTPException]

    async def on_tether_error(request: Request, exc: Exception) -> Response:
        if not is_console(request):
            return await _answer(api_tether(request, exc))
        assert isinstance(exc, TetherError)
        return render(
            request,
            "error.html",
            None,
            {"status": exc.status, "message": exc.message, "code": exc.code},
            status_code=exc.status,
        )

    async def on_http_error(request: Request, exc: Exception) -> Response:
        if not is_console(request):
            return await _answer(api_http(request, exc))
        assert isinstance(exc, StarletteHTTPException)
        message = "No such page." if exc.status_code == 404 else str(exc.detail)
        return render(
            request,
            "error.html",
            None,
            {"status": exc.status_code, "message": message, "code": "http_error"},
            status_code=exc.status_code,
        )

    app.add_exception_handler(LoginRequired, _on_login_required)
    app.add_exception_handler(TetherError, on_tether_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
