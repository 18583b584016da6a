"""Chat sessions of the caller: list per project, rename, settings, delete, and the turns page by page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import Field

from shared.api.deps import CurrentUser
from shared.api.schemas import Schema
from shared.chat import prompts, sessions, turns
from shared.chat.sessions import SessionView
from shared.models import RawExchange, Session

router = APIRouter(tags=["chat"])


class SessionOut(Schema):
    id: str
    project_id: str
    title: str
    permission_mode: str
    status: str
    last_seq: int
    message_count: int
    persona_id: str | None = None
    guide_ids: list[str] = []
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: SessionView, row: Session | None = None) -> SessionOut:
        return cls(
            id=view.session_id,
            project_id=view.project_id,
            title=view.title,
            permission_mode=view.permission_mode,
            status=view.status,
            last_seq=view.last_seq,
            message_count=view.message_count,
            persona_id=row.persona_id if row else None,
            guide_ids=sorted(row.guide_ids or []) if row else [],
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


class SessionUpdate(Schema):
    title: Annotated[str | None, Field(default=None, min_length=1, max_length=200)]
    permission_mode: str | None = None
    persona_id: str | None = None
    guide_ids: list[str] | None = None


class TurnOut(Schema):
    turn: int
    request: str
    response: str | None
    status: str
    error: str | None
    usage: dict[str, int]
    cost_usd: float
    duration_ms: int | None
    model: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: RawExchange) -> TurnOut:
        return cls(
            turn=int(row.turn),
            request=row.request_text,
            response=row.response_text,
            status=row.status,
            error=row.error,
            usage={
                "inputTokens": int(row.tokens_in or 0),
                "outputTokens": int(row.tokens_out or 0),
                "cacheReadTokens": int(row.cache_read_tokens or 0),
                "cacheWriteTokens": int(row.cache_write_tokens or 0),
            },
            cost_usd=float(row.cost_usd or 0),
            duration_ms=int(row.duration_ms) if row.duration_ms is not None else None,
            model=row.model,
            created_at=row.created_at,
        )


class TurnsPage(Schema):
    turns: list[TurnOut]
    next_before: int | None


@router.get("/projects/{project_id}/sessions", response_model=list[SessionOut], summary="Your sessions in a project")
def list_sessions(project_id: str, caller: CurrentUser) -> list[SessionOut]:
    return [SessionOut.of(view) for view in sessions.list_in_project(caller, project_id)]


@router.get("/sessions/{session_id}", response_model=SessionOut, summary="One of your sessions")
def get_session(session_id: str, caller: CurrentUser) -> SessionOut:
    row = sessions.owned(caller, session_id)
    return SessionOut.of(sessions.view(row), row)


@router.patch("/sessions/{session_id}", response_model=SessionOut, summary="Rename or change a session's settings")
def update_session(session_id: str, body: SessionUpdate, caller: CurrentUser) -> SessionOut:
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    row = sessions.owned(caller, session_id)
    if changes.get("title"):
        sessions.rename(caller, session_id, changes["title"])
    if "permission_mode" in changes:
        row.update(actions=[Session.permission_mode.set(sessions.permission_mode(changes["permission_mode"]))])
    prompts.apply(
        caller,
        row,
        persona_id=changes.get("persona_id", ...),
        guide_ids=changes.get("guide_ids", ...),
    )
    row = sessions.owned(caller, session_id)
    return SessionOut.of(sessions.view(row), row)


@router.delete("/sessions/{session_id}", status_code=204, summary="Delete a session and its history")
def delete_session(session_id: str, caller: CurrentUser) -> Response:
    sessions.delete(caller, session_id)
    return Response(status_code=204)


@router.get("/sessions/{session_id}/turns", response_model=TurnsPage, summary="Turns, newest first, page by page")
def list_turns(
    session_id: str,
    caller: CurrentUser,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> TurnsPage:
    page = turns.history(caller, session_id, before_turn=before, limit=limit)
    next_before = int(page[-1].turn) if len(page) == limit and int(page[-1].turn) > 1 else None
    return TurnsPage(turns=[TurnOut.of(row) for row in page], next_before=next_before)
