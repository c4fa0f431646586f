"""Setup > Clients: a partner's clients, and a form to add one (as OpsRamp's API does)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tether.api.deps import DB
from tether.domain.profiles import problems
from tether.errors import PermissionDenied
from tether.services.clients import ClientInput, create_client
from tether.web.routes import client_choices
from tether.web.session import CheckedUser, CurrentUser, WebUser
from tether.web.templating import render

router = APIRouter(prefix="/setup/clients", include_in_schema=False)
FIELDS = ("name", "address", "timeZone", "country")


def _require_partner(user: WebUser) -> None:
    if not user.is_partner:
        raise PermissionDenied("only a partner's users manage clients")


def _page(
    request: Request,
    db: DB,
    user: WebUser,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    clients = client_choices(db, user)
    context = {
        "section": "clients",
        "clients": clients,
        "listed": clients,
        "form": form or {"timeZone": "UTC"},
        "errors": errors or {},
        "can_write": user.principal.role.value != "viewer",
        "created": request.query_params.get("created"),
    }
    return render(request, "clients/list.html", user, context, status_code)


@router.get("", response_class=HTMLResponse)
def clients_page(request: Request, db: DB, user: CurrentUser) -> HTMLResponse:
    _require_partner(user)
    return _page(request, db, user)


@router.post("", response_class=HTMLResponse)
def add_client(
    request: Request,
    db: DB,
    user: CheckedUser,
    name: Annotated[str, Form(max_length=256)] = "",
    address: Annotated[str, Form(max_length=1024)] = "",
    timeZone: Annotated[str, Form(max_length=64)] = "",  # OpsRamp's field name
    country: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    _require_partner(user)
    typed = {"name": name, "address": address, "timeZone": timeZone, "country": country}
    try:
        body = ClientInput.model_validate(typed)
    except ValidationError as error:
        errors = {field: message for field, message in problems(error.errors())}
        return _page(request, db, user, typed, errors, status_code=400)
    client = create_client(db, user.scope(db), body)
    return RedirectResponse(f"/setup/clients?created={client.id}", status_code=303)
