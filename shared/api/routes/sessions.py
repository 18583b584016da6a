"""Chat sessions of the caller: list per project, rename, settings, delete, and the turns page by page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from shared.api.deps import CurrentUser
from shared.chat import sessions, turns
from shared.chat.schemas import SessionUpdate
from shared.chat.views import Session, TurnsPage

router = APIRouter(tags=["chat"])


@router.get("/projects/{project_id}/sessions", response_model=list[Session], summary="Your sessions in a project")
def list_sessions(project_id: str, caller: CurrentUser) -> list[Session]:
    return sessions.list_in_project(caller, project_id)


@router.get("/sessions/{session_id}", response_model=Session, summary="One of your sessions")
def get_session(session_id: str, caller: CurrentUser) -> Session:
    return sessions.owned(caller, session_id)


@router.patch("/sessions/{session_id}", response_model=Session, summary="Rename or change a session's settings")
def update_session(session_id: str, body: SessionUpdate, caller: CurrentUser) -> Session:
    return sessions.update(caller, session_id, body)


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
    return turns.page(caller, session_id, before_turn=before, limit=limit)
