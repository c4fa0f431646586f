"""``/api/v1/tenants/{tenantId}/audit/search``: who did what, when."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from tether.api.deps import DB, Scope
from tether.api.errors import ERROR_RESPONSES
from tether.api.paging import Paged, PageParams, QueryString, paged
from tether.domain.formats import opsramp_time
from tether.services.audit import search_audit
from tether.store.models import AuditEvent

router = APIRouter(
    prefix="/api/v1/tenants/{tenantId}/audit", tags=["audit"], responses=ERROR_RESPONSES
)


class AuditEventOut(BaseModel):
    id: int
    time: str
    tenantId: str
    actor: str
    action: str
    targetType: str
    targetId: str
    details: dict[str, Any] | None


def render_event(event: AuditEvent) -> AuditEventOut:
    return AuditEventOut(
        id=event.id,
        time=opsramp_time(event.at),
        tenantId=event.tenant_id,
        actor=event.actor,
        action=event.action,
        targetType=event.target_type,
        targetId=event.target_id,
        details=event.details,
    )


@router.get("/search", response_model=Paged[AuditEventOut], summary="Search the audit log")
def search(
    db: DB, scope: Scope, page: PageParams, queryString: QueryString = None
) -> Paged[AuditEventOut]:
    return paged(search_audit(db, scope, queryString, page), render_event)
