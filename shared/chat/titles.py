"""The titles of chat sessions by id, for lists outside chat (the usage dashboard's costliest sessions)."""

from __future__ import annotations

from collections.abc import Iterable

from shared.db import one_attribute
from shared.models.chat import Session


def titles(session_ids: Iterable[str]) -> dict[str, str | None]:
    """The title of each id that is a session (None: untitled); one attribute read, 100 ids a call."""
    return {session_id: title or None for session_id, title in one_attribute(Session, session_ids, "title").items()}
