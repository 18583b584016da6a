"""The names the usage dashboard shows for user, project and session ids: batch reads of their names only.

Usage is a leaf domain, below accounts, projects and chat, so it cannot ask them; it reads just the one name
attribute of their rows, 100 keys per BatchGetItem, and writes nothing there. A row gone shows as "(deleted)".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.models.accounts import User
from shared.models.chat import Session
from shared.models.projects import Project

DELETED = "(deleted)"
UNTITLED = "(untitled)"
_BATCH = 100  # keys per BatchGetItem


def _names(model: Any, ids: Iterable[str], attribute: str) -> dict[str, str | None]:
    wanted = sorted({id_ for id_ in ids if id_})
    found: dict[str, str | None] = {}
    for start in range(0, len(wanted), _BATCH):
        keys = wanted[start : start + _BATCH]
        for row in model.batch_get(keys, attributes_to_get=[model._hash_keyname, attribute]):
            found[getattr(row, model._hash_keyname)] = getattr(row, attribute)
    return found


def usernames(user_ids: Iterable[str]) -> dict[str, str]:
    """Each id's username, "(deleted)" for an account that is gone."""
    ids = list(user_ids)
    found = _names(User, ids, "username")
    return {user_id: found.get(user_id) or DELETED for user_id in ids}


def project_names(project_ids: Iterable[str]) -> dict[str, str]:
    """Each id's project name, "(deleted)" for a project that is gone."""
    ids = list(project_ids)
    found = _names(Project, ids, "name")
    return {project_id: found.get(project_id) or DELETED for project_id in ids}


def session_titles(session_ids: Iterable[str]) -> dict[str, str]:
    """Each id's chat session title, "(untitled)" when it has none, "(deleted)" when it is gone."""
    ids = list(session_ids)
    found = _names(Session, ids, "title")
    return {session_id: (found[session_id] or UNTITLED) if session_id in found else DELETED for session_id in ids}
