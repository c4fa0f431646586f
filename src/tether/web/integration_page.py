"""The AWS integration page: credentials, regions, the permission matrix, discovery
profiles with their editor, linked accounts, scan history, "Scan now" and its progress."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tether.api.deps import DB
from tether.api.runtime import RT
from tether.catalog.registry import resource_type
from tether.errors import Conflict
from tether.security.scoping import TenantScope
from tether.services import integration_views as views
from tether.services import integrations as integration_service
from tether.services.permission_matrix import permission_matrix
from tether.services.profiles import get_profile, save_profiles, search_profiles
from tether.services.runtime import Runtime
from tether.services.scan_records import (
    active_scan,
    recent_scans,
    scan_of,
    scan_with_units,
)
from tether.services.scans import resume_scan, start_scan
from tether.store.models import Integration
from tether.store.paging import PageRequest
from tether.web import profile_editor
from tether.web.profile_editor import ProfileEditor, field_id, field_label
from tether.web.routes import client_choices
from tether.web.session import CheckedUser, CurrentUser, WebUser
from tether.web.templating import render

router = APIRouter(prefix="/integrations", include_in_schema=False)
ClientId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
IntegrationId = Annotated[str, Path(max_length=48, pattern=r"^INTG-[0-9a-f-]{36}$")]
ScanId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
# Units shown first on a scan's page: the ones that need attention.
UNIT_ORDER = ("denied", "failed", "throttled", "pending", "skipped", "ok")


def _href(client_id: str, integration_id: str, rest: str = "") -> str:
    return f"/integrations/{client_id}/{integration_id}{rest}"


def duration(delta: timedelta) -> str:
    """``1h 02m``, ``3m 05s``, ``12s``: a scan's length at a glance."""
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def _type_title(code: str) -> str:
    spec = resource_type(code)
    return spec.title if spec else code


def _read_only(user: WebUser) -> bool:
    return user.principal.role.value == "viewer"


def _profiles(rt: Runtime, scope: TenantScope, integration_id: str) -> list[Any]:
    found = search_profiles(
        rt.db, scope, f"integration:{integration_id}", PageRequest(page_size=100)
    )
    return sorted(found.items, key=lambda profile: profile.id)


def _page_context(
    rt: Runtime,
    db: DB,
    user: WebUser,
    client_id: str,
    integration: Integration,
    editing: ProfileEditor | None = None,
) -> dict[str, Any]:
    scope = user.scope(db, client_id)
    profiles = _profiles(rt, scope, integration.id)
    editors = [ProfileEditor.of(profile) for profile in profiles]
    new_editor = ProfileEditor.new()
    if editing is not None:
        if editing.id is None:
            new_editor = editing
        else:
            editors = [editing if e.id == editing.id else e for e in editors]
    parent = (
        integration_service.get(rt, scope, integration.parent_id) if integration.parent_id else None
    )
    active = active_scan(db, scope, integration.id)
    scans = recent_scans(db, scope, integration.id)
    return {
        "section": "integrations",
        "clients": client_choices(db, user),
        "client_id": client_id,
        "picker_action": "/setup/integrations",
        "integration": integration,
        "view": views.view(rt, scope, integration, full=True),
        "parent": parent,
        "profiles": {profile.id: profile for profile in profiles},
        "editors": editors,
        "new_editor": new_editor,
        "matrix": permission_matrix(db, scope, integration),
        "scans": scans,
        "current": scan_of(db, scope, integration.id, active.id) if active else None,
        "latest": scans[0] if scans else None,
        "read_only": _read_only(user),
        "href": _href(client_id, integration.id),
        "editor": profile_editor,
        "field_label": field_label,
        "field_id": field_id,
        "duration": duration,
    }


@router.get("/{client_id}/{integration_id}", response_class=HTMLResponse)
def integration_page(
    request: Request,
    rt: RT,
    db: DB,
    user: CurrentUser,
    client_id: ClientId,
    integration_id: IntegrationId,
    saved: int | None = None,
) -> HTMLResponse:
    scope = user.scope(db, client_id)
    integration = integration_service.get(rt, scope, integration_id)
    context = _page_context(rt, db, user, client_id, integration)
    return render(request, "integration/page.html", user, {**context, "saved": saved})


@router.post("/{client_id}/{integration_id}/scans")
def scan_now(
    rt: RT, db: DB, user: CheckedUser, client_id: ClientId, integration_id: IntegrationId
) -> Response:
    scope = user.scope(db, client_id)
    scope.require_write()
    start_scan(rt.db, scope, integration_id, "manual", scope.actor)
    return RedirectResponse(_href(client_id, integration_id, "#scan-progress"), status_code=303)


@router.post("/{client_id}/{integration_id}/scans/{scan_id}/resume")
def resume(
    rt: RT,
    db: DB,
    user: CheckedUser,
    client_id: ClientId,
    integration_id: IntegrationId,
    scan_id: ScanId,
) -> Response:
    scope = user.scope(db, client_id)
    scope.require_write()
    scan_of(db, scope, integration_id, scan_id)  # this integration's, or 404
    resume_scan(rt.db, scope, scan_id)
    return RedirectResponse(_href(client_id, integration_id, f"/scans/{scan_id}"), status_code=303)


@router.get("/{client_id}/{integration_id}/scans/{scan_id}/progress", response_class=HTMLResponse)
def scan_progress(
    request: Request,
    db: DB,
    user: CurrentUser,
    client_id: ClientId,
    integration_id: IntegrationId,
    scan_id: ScanId,
) -> HTMLResponse:
    """The ``data-poll`` partial: answered with ``data-done`` once the scan has ended."""
    record = scan_of(db, user.scope(db, client_id), integration_id, scan_id)
    context = {"record": record, "href": _href(client_id, integration_id), "duration": duration}
    return render(request, "integration/progress.html", user, context)


@router.get("/{client_id}/{integration_id}/scans/{scan_id}", response_class=HTMLResponse)
def scan_page(
    request: Request,
    rt: RT,
    db: DB,
    user: CurrentUser,
    client_id: ClientId,
    integration_id: IntegrationId,
    scan_id: ScanId,
) -> HTMLResponse:
    scope = user.scope(db, client_id)
    integration = integration_service.get(rt, scope, integration_id)
    scan, units = scan_with_units(db, scope, scan_id, integration_id)
    units.sort(key=lambda u: UNIT_ORDER.index(u.status) if u.status in UNIT_ORDER else 0)
    context = {
        "section": "integrations",
        "clients": client_choices(db, user),
        "client_id": client_id,
        "picker_action": "/setup/integrations",
        "integration": integration,
        "record": scan_of(db, scope, integration_id, scan_id),
        "scan": scan,
        "units": units,
        "href": _href(client_id, integration_id),
        "duration": duration,
        "type_title": _type_title,
        "read_only": _read_only(user),
    }
    return render(request, "integration/scan.html", user, context)


@router.post("/{client_id}/{integration_id}/profiles", response_class=HTMLResponse)
async def save_profile(
    request: Request,
    rt: RT,
    db: DB,
    user: CheckedUser,
    client_id: ClientId,
    integration_id: IntegrationId,
) -> Response:
    """Save one profile; or, for a browser without scripts, add or remove a rule row and
    show the editor again (nothing saved)."""
    form = await request.form()
    editor = ProfileEditor.from_form(form)
    return await run_in_threadpool(
        _save_profile, request, rt, db, user, client_id, integration_id, editor,
        form.get("addRule") is not None, form.get("removeRule"),
    )  # fmt: skip


def _save_profile(
    request: Request,
    rt: Runtime,
    db: DB,
    user: WebUser,
    client_id: str,
    integration_id: str,
    editor: ProfileEditor,
    add_rule: bool,
    remove_rule: Any,
) -> Response:
    scope = user.scope(db, client_id)
    integration = integration_service.get(rt, scope, integration_id)
    scope.require_write()
    status = 200
    if add_rule or isinstance(remove_rule, str):
        if add_rule:
            editor.add_rule()
        elif remove_rule.isdigit():
            editor.remove_rule(int(remove_rule))
    else:
        stored = get_profile(db, scope, editor.id) if editor.id is not None else None
        if stored is not None and stored.integration_id != integration_id:
            stored = None  # another integration's profile: saved as a new one here
            editor.id = None
        profile = editor.profile_input(integration_id, stored)
        if profile is not None:
            try:
                [row] = save_profiles(db, scope, [profile])
            except Conflict as error:
                editor.errors = {"name": error.message.split(": ", 1)[-1]}
            else:
                return RedirectResponse(
                    _href(client_id, integration_id, f"?saved={row.id}#profile-{row.id}"),
                    status_code=303,
                )
        status = 400
    context = _page_context(rt, db, user, client_id, integration, editing=editor)
    return render(request, "integration/page.html", user, {**context, "saved": None}, status)
