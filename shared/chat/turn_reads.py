"""What a chat turn's job reads first, in one call as the job starts (runner/jobs/chat.py).

Apart from shared.chat.records, which the API imports too: the provider's module (its views, schemas and the KMS
envelope, ~60 ms of imports) is for the runner only, and stays out of the WebSocket function's cold start.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

from shared.concurrency import soon, then
from shared.db import Reads
from shared.files import generations
from shared.models.chat import Session
from shared.models.prompts import PromptScope, prompt_scope_key
from shared.projects import service as projects
from shared.projects.views import Project
from shared.provider.service import ActiveProvider, active_in


@dataclass(frozen=True)
class TurnReads:
    """What a turn's job reads first, read in one call as the job starts (shared.db.Reads): the session as `begin`
    needs it, the provider, and with the project's id and the user's, the project and the generations of the
    project's files and of the user's transcripts of it (the pull compares them with what the box has), of the
    user's CLAUDE.md and of the project's drive mounts (each read again only when it moved)."""

    session: Future[Session]
    provider: Future[ActiveProvider | None]
    project: Future[Project] | None = None
    files: Future[int] | None = None
    transcripts: Future[int] | None = None
    rules: Future[int] | None = None  # the generation of the user's CLAUDE.md (shared.rules.service)
    mounts: Future[generations.Generation] | None = None  # of the project's drive mounts (shared.drives.mounts)


def read_turn(session_id: str, project_id: str | None = None, user_id: str | None = None) -> TurnReads:
    """Start the reads of `TurnReads` (one BatchGetItem, where they were five GetItems)."""
    reads = Reads()
    session = then(reads.get(Session, session_id, consistent_read=True), _existing_session)
    project: Future[Project] | None = None
    files: Future[int] | None = None
    transcripts: Future[int] | None = None
    rules: Future[int] | None = None
    mounts: Future[generations.Generation] | None = None
    if project_id is not None and user_id is not None:
        project = projects.get_in(reads, project_id)
        files = generations.generation_in(reads, project_id)
        transcripts = generations.generation_in(reads, generations.transcripts_key(project_id, user_id))
        rules = generations.generation_in(reads, generations.rules_key(prompt_scope_key(PromptScope.USER, user_id)))
        mounts = generations.generation_at_in(reads, generations.mounts_key(project_id))
    # Asked for last: a batch's futures come true in the order they were asked for, and the provider's conversion
    # may unseal a new key first (a KMS call), which then holds up none of the others.
    provider = active_in(reads)
    soon(reads.send)
    return TurnReads(session, provider, project, files, transcripts, rules, mounts)


def _existing_session(row: Session | None) -> Session:
    if row is None:
        raise Session.DoesNotExist("There is no such session.")
    return row
