"""The usage dashboard (docs/usage.md): tokens and cost of a period, the costliest sessions, a CSV of a summary.

Administrators see the organization or any one user (`userId`); anyone else only their own usage.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from shared.accounts import users
from shared.api.deps import CurrentUser
from shared.chat.titles import titles
from shared.projects import store as projects
from shared.usage import dashboard
from shared.usage.labels import Names
from shared.usage.schemas import MAX_PERIOD_DAYS, MAX_TOP_SESSIONS, GroupBy
from shared.usage.views import TopSession, UsageSummary

router = APIRouter(prefix="/usage", tags=["usage"])

FromDay = Annotated[date, Query(alias="from", description="The period's first UTC day, YYYY-MM-DD")]
ToDay = Annotated[
    date, Query(alias="to", description=f"The period's last UTC day, included (at most {MAX_PERIOD_DAYS} days)")
]
GroupByQuery = Annotated[GroupBy, Query(alias="groupBy", description="One row per day, user, project, kind or model")]
UserQuery = Annotated[
    str | None,
    Query(
        alias="userId",
        min_length=1,
        max_length=64,
        description="One user's usage (an administrator's to ask for another's)",
    ),
]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_TOP_SESSIONS, description="How many sessions")]


def domain_names() -> Names:
    """Names from the domains that own them: usage, below them, reads no table but its own."""
    return Names(usernames=users.usernames, project_names=projects.names, session_titles=titles)


DomainNames = Annotated[Names, Depends(domain_names)]
_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The rows, a header first"}
}


@router.get("/summary", response_model=UsageSummary, summary="Tokens and cost of a period, grouped by one dimension")
def summary(
    caller: CurrentUser,
    names: DomainNames,
    *,
    from_day: FromDay,
    to_day: ToDay,
    group_by: GroupByQuery = GroupBy.DAY,
    user_id: UserQuery = None,
) -> UsageSummary:
    return dashboard.summary(caller, from_day, to_day, group_by, user_id, names=names)


@router.get("/top-sessions", response_model=list[TopSession], summary="The chat sessions that cost the most")
def top_sessions(
    caller: CurrentUser,
    names: DomainNames,
    *,
    from_day: FromDay,
    to_day: ToDay,
    limit: LimitQuery = 10,
    user_id: UserQuery = None,
) -> list[TopSession]:
    return dashboard.top_sessions(caller, from_day, to_day, limit, user_id, names=names)


@router.get("/export.csv", response_class=Response, responses=_CSV, summary="A summary's rows as CSV (the same query)")
def export_csv(
    caller: CurrentUser,
    names: DomainNames,
    *,
    from_day: FromDay,
    to_day: ToDay,
    group_by: GroupByQuery = GroupBy.DAY,
    user_id: UserQuery = None,
) -> Response:
    text, filename = dashboard.summary_csv(caller, from_day, to_day, group_by, user_id, names=names)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)
