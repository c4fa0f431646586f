"""Setup > Integrations: the installed integrations of a client (or of every client), the
catalog of available integrations, and enable / disable / uninstall."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tether.api.deps import DB
from tether.api.runtime import RT
from tether.domain.tenancy import TenantKind
from tether.errors import Conflict, InvalidInput, NotFound
from tether.security.scoping import TenantScope
from tether.services import integrations as service
from tether.services.integration_lists import InstalledPage, Listed, installed
from tether.services.runtime import Runtime
from tether.store.models import Integration
from tether.store.paging import PageRequest
from tether.web.routes import client_choices
from tether.web.session import CheckedUser, CurrentUser, WebUser
from tether.web.templating import render

router = APIRouter(prefix="/setup/integrations", include_in_schema=False)

PAGE_SIZE = 50  # top-level integrations of one client per page
PER_CLIENT_IN_ALL = 10  # with All Clients: the first few of each client, then a link
REASON_MAX = 1024
REGIONS_SHOWN = 3
FIRST_CATEGORY = "Public Cloud"

DONE = {
    "enabled": "Integration enabled: its discovery profiles scan it again.",
    "disabled": "Integration disabled: no scans run until it is enabled again; its inventory "
    "is kept.",
    "uninstalled": "Integration uninstalled, with its discovery profiles, scans and inventory.",
    "uninstalled-linked": "Integration and its linked accounts uninstalled, with their "
    "discovery profiles, scans and inventory.",
    "uninstalled-kept": "Integration uninstalled; its linked accounts were kept as "
    "stand-alone integrations.",
}
PROBLEMS = {
    "enable-failed": "A failed linked account cannot be enabled until its member role works: "
    "fix the role in that account, then sync the Organization from the parent's page.",
}


@dataclass(frozen=True, slots=True)
class Row:
    """One integration as a row of the list."""

    integration: Integration
    client_id: str
    last_scan_status: str | None
    last_scan_at: datetime | None
    regions: str
    all_regions: str
    linked: list[Row]

    @property
    def linked_summary(self) -> str:
        counts = Counter(child.integration.status for child in self.linked)
        noun = "linked account" if len(self.linked) == 1 else "linked accounts"
        parts = ", ".join(
            f"{counts[s]} {s}" for s in ("enabled", "disabled", "failed") if counts[s]
        )
        return f"{len(self.linked)} {noun} ({parts})" if parts else f"{len(self.linked)} {noun}"


@dataclass(frozen=True, slots=True)
class ClientGroup:
    """One client's part of the list: with All Clients, one per client."""

    client_id: str
    name: str
    rows: list[Row]
    total: int
    page_no: int
    total_pages: int


def _regions(integration: Integration) -> tuple[str, str]:
    """Short text for the column, and every region for its tooltip."""
    regions = list(integration.regions)
    every = ", ".join(regions)
    if integration.regions_requested.strip().lower() == "all":
        return f"All ({len(regions)})", every
    if len(regions) <= REGIONS_SHOWN:
        return every or "—", every
    shown = ", ".join(regions[: REGIONS_SHOWN - 1])
    return f"{shown} +{len(regions) - REGIONS_SHOWN + 1} more", every


def _row(listed: Listed, client_id: str) -> Row:
    scan = listed.last_scan
    regions, every = _regions(listed.integration)
    return Row(
        integration=listed.integration,
        client_id=client_id,
        last_scan_status=scan.status if scan else None,
        last_scan_at=(scan.finished_at or scan.started_at or scan.queued_at) if scan else None,
        regions=regions,
        all_regions=every,
        linked=[_row(child, client_id) for child in listed.linked],
    )


def _group(client_id: str, name: str, found: InstalledPage) -> ClientGroup:
    return ClientGroup(
        client_id=client_id,
        name=name,
        rows=[_row(listed, client_id) for listed in found.rows],
        total=found.page.total,
        page_no=found.page.request.page_no,
        total_pages=found.page.total_pages,
    )


def _client_in_view(user: WebUser, client: str) -> str:
    """A client user always looks at its own client; a partner may choose All Clients ("")."""
    return client or ("" if user.is_partner else user.home_tenant)


def _client_scope(db: DB, user: WebUser, client_id: str) -> TenantScope:
    scope = user.scope(db, client_id)
    if scope.tenant_kind is not TenantKind.CLIENT:
        raise NotFound("integrations are installed in client tenants", code="not_a_client")
    return scope


def _page_number(raw: str) -> int:
    return int(raw) if raw.isdigit() and 0 < int(raw) < 1_000_000 else 1


def _can_write(user: WebUser) -> bool:
    return user.principal.role.can_write


def _base_context(db: DB, user: WebUser, client_id: str) -> dict[str, Any]:
    clients = client_choices(db, user)
    return {
        "section": "integrations",
        "client_id": client_id,
        "clients": clients,
        "client_name": dict(clients).get(client_id, client_id),
        "can_write": _can_write(user),
    }


@router.get("", response_class=HTMLResponse)
def installed_page(
    request: Request,
    db: DB,
    rt: RT,
    user: CurrentUser,
    client: str = "",
    page: str = "1",
    done: str = "",
    problem: str = "",
) -> HTMLResponse:
    client_id = _client_in_view(user, client)
    context = _base_context(db, user, client_id)
    if client_id:
        scope = _client_scope(db, user, client_id)
        found = installed(rt, scope, PageRequest(page_no=_page_number(page), page_size=PAGE_SIZE))
        groups = [_group(client_id, context["client_name"], found)]
    else:
        request_first = PageRequest(page_size=PER_CLIENT_IN_ALL)
        groups = [
            _group(cid, name, installed(rt, _client_scope(db, user, cid), request_first))
            for cid, name in context["clients"]
        ]
    context.update(
        groups=groups,
        all_clients=not client_id,
        done=DONE.get(done),
        problem=PROBLEMS.get(problem),
        reason_max=REASON_MAX,
    )
    return render(request, "integrations/installed.html", user, context)


def _categories(entries: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Catalog entries by category, Public Cloud first as in the seed."""
    by_category: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_category.setdefault(str(entry["category"]), []).append(entry)
    order = sorted(by_category, key=lambda name: (name != FIRST_CATEGORY, name.lower()))
    return [(name, by_category[name]) for name in order]


@router.get("/available", response_class=HTMLResponse)
def available_page(
    request: Request, db: DB, user: CurrentUser, client: str = "", q: str = ""
) -> HTMLResponse:
    client_id = _client_in_view(user, client)
    if client_id:
        _client_scope(db, user, client_id)
    # The search box is a name filter: keep its text from forming queryString keys.
    term = " ".join(q.replace(":", " ").replace("+", " ").split())[:100]
    entries = service.available(f"name:{term}" if term else None)
    context = _base_context(db, user, client_id)
    context.update(categories=_categories(entries), q=term, picker_action=request.url.path)
    return render(request, "integrations/available.html", user, context)


# --- enable, disable, uninstall: POST forms that come back to the list with a message ---


def _back(view: str, **params: str) -> RedirectResponse:
    query = urlencode({"client": view, **params} if view else params)
    return RedirectResponse(f"/setup/integrations?{query}", status_code=303)


View = Annotated[str, Form(max_length=64)]


@router.post("/installed/{client_id}/{integration_id}/enable")
def enable(
    db: DB, rt: RT, user: CheckedUser, client_id: str, integration_id: str, view: View = ""
) -> Response:
    scope = _client_scope(db, user, client_id)
    try:
        service.set_enabled(rt, scope, integration_id, True)
    except Conflict:
        return _back(view, problem="enable-failed")
    return _back(view, done="enabled")


@router.post("/installed/{client_id}/{integration_id}/disable")
def disable(
    db: DB, rt: RT, user: CheckedUser, client_id: str, integration_id: str, view: View = ""
) -> Response:
    service.set_enabled(rt, _client_scope(db, user, client_id), integration_id, False)
    return _back(view, done="disabled")


def _uninstall_form(
    request: Request,
    db: DB,
    rt: Runtime,
    user: WebUser,
    scope: TenantScope,
    integration_id: str,
    view: str,
    error: str | None = None,
    reason: str = "",
    chosen: str = "",
) -> HTMLResponse:
    """The uninstall form as a page: without script, or shown again with what was wrong."""
    integration = service.get(rt, scope, integration_id)
    context = _base_context(db, user, view)
    context.update(
        target=integration,
        target_client=scope.tenant_id,
        linked=len(service.children(rt, scope, integration_id)),
        view=view,
        error=error,
        reason=reason,
        chosen=chosen,
        reason_max=REASON_MAX,
    )
    status = 400 if error else 200
    return render(request, "integrations/uninstall.html", user, context, status)


@router.get("/installed/{client_id}/{integration_id}/uninstall", response_class=HTMLResponse)
def uninstall_page(
    request: Request,
    db: DB,
    rt: RT,
    user: CurrentUser,
    client_id: str,
    integration_id: str,
    view: str = "",
) -> HTMLResponse:
    scope = _client_scope(db, user, client_id)
    scope.require_write()
    return _uninstall_form(request, db, rt, user, scope, integration_id, view)


@router.post("/installed/{client_id}/{integration_id}/uninstall", response_class=HTMLResponse)
def uninstall(
    request: Request,
    db: DB,
    rt: RT,
    user: CheckedUser,
    client_id: str,
    integration_id: str,
    uninstallReason: Annotated[str, Form()] = "",  # the API's field name
    children: Annotated[str, Form()] = "",
    view: View = "",
) -> Response:
    scope = _client_scope(db, user, client_id)
    scope.require_write()
    reason = uninstallReason.strip()

    def again(error: str) -> HTMLResponse:
        return _uninstall_form(
            request, db, rt, user, scope, integration_id, view, error, reason[:REASON_MAX], children
        )

    if not reason:
        return again("Give an uninstall reason: it is kept in the audit log.")
    if len(reason) > REASON_MAX:
        return again(f"The uninstall reason is too long (at most {REASON_MAX} characters).")
    linked = service.children(rt, scope, integration_id)
    choice = children if children in ("uninstall", "keep") else None
    if linked and choice is None:
        return again(f"Choose what happens to its {len(linked)} linked accounts.")
    try:
        service.uninstall(rt, scope, integration_id, reason, choice if linked else None)
    except InvalidInput as error:
        return again(error.message)
    outcome = {"uninstall": "uninstalled-linked", "keep": "uninstalled-kept"}
    return _back(view, done=outcome.get(choice or "", "uninstalled") if linked else "uninstalled")
