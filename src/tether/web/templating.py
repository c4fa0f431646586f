"""Jinja2 templates of the console, and the context every page gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tether.domain.formats import opsramp_time
from tether.web.session import CSRF_FIELD, WebUser

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD
templates.env.filters["when"] = lambda moment: opsramp_time(moment) if moment else "—"


def render(
    request: Request,
    name: str,
    user: WebUser | None,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page: ``layout.html``'s blocks get ``user`` (with its ``csrf_token``), ``section``
    (the navigation entry to highlight) and the page's own context."""
    page: dict[str, Any] = {"user": user, "section": None, **(context or {})}
    return templates.TemplateResponse(request, name, page, status_code=status_code)
