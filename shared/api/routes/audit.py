"""The audit log for administrators (docs/audit.md): a period of days, filters, newest first, a page at a time."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from shared.api.deps import AdminUser
from shared.audit import service
from shared.audit.actions import Action
from shared.audit.schemas import MAX_PERIOD_DAYS, AuditQuery
from shared.audit.views import AuditActions, AuditPage

router = APIRouter(prefix="/admin/audit", tags=["admin"])


@router.get("", response_model=AuditPage, summary="Audited actions: who did what, when, from where")
def search(
    caller: AdminUser,
    *,
    start: Annotated[
        date | None, Query(alias="from", description="First UTC day (default: 30 days before `to`)")
    ] = None,
    end: Annotated[
        date | None, Query(alias="to", description=f"Last UTC day, at most {MAX_PERIOD_DAYS} days on")
    ] = None,
    actor_id: Annotated[str | None, Query(alias="actorId", max_length=64)] = None,
    action: Annotated[Action | None, Query()] = None,
    target_id: Annotated[str | None, Query(alias="targetId", max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words to find in names, ids, IPs and details")] = None,
    cursor: Annotated[str | None, Query(max_length=400, description="nextCursor of the page before")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    query = AuditQuery(
        start=start, end=end, actor_id=actor_id, action=action, target_id=target_id, q=q, cursor=cursor, limit=limit
    )
    return service.search(query)


@router.get(
    "/actions",
    response_model=AuditActions,
    summary="Every audited action: what the `action` filter accepts",
    description="The full vocabulary (docs/audit.md), so a filter can offer actions no loaded entry shows yet.",
)
def actions(caller: AdminUser) -> AuditActions:
    return service.actions()
