"""Console pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tether.api.deps import DB
from tether.services.bootstrap import partner_id

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DB) -> HTMLResponse:
    context = {"docs_url": "/docs", "openapi_url": "/openapi.json", "partner_id": partner_id(db)}
    return templates.TemplateResponse(request, "home.html", context)
