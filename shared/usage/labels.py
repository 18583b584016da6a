"""The names the usage dashboard shows for user, project and session ids, and what it shows when one is gone.

Usage is a leaf domain, below accounts, projects and chat, so it cannot ask them: the API passes their batch
reads in (`Names`: `shared.accounts.users.usernames`, `shared.projects.store.names`, `shared.chat.titles`), and
the dashboard reads no table but its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

DELETED = "(deleted)"
UNTITLED = "(untitled)"


@dataclass(frozen=True, slots=True)
class Names:
    """Each domain's names of the ids it still has (an id it does not have is absent from the answer)."""

    usernames: Callable[[Iterable[str]], dict[str, str]]
    project_names: Callable[[Iterable[str]], dict[str, str]]
    session_titles: Callable[[Iterable[str]], dict[str, str | None]]

    def users(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Each id's username, "(deleted)" for an account that is gone."""
        ids = list(user_ids)
        found = self.usernames(ids)
        return {user_id: found.get(user_id) or DELETED for user_id in ids}

    def projects(self, project_ids: Iterable[str]) -> dict[str, str]:
        """Each id's project name, "(deleted)" for a project that is gone."""
        ids = list(project_ids)
        found = self.project_names(ids)
        return {project_id: found.get(project_id) or DELETED for project_id in ids}

    def sessions(self, session_ids: Iterable[str]) -> dict[str, str]:
        """Each id's chat session title, "(untitled)" when it has none, "(deleted)" when it is gone."""
        ids = list(session_ids)
        found = self.session_titles(ids)
        return {session_id: (found[session_id] or UNTITLED) if session_id in found else DELETED for session_id in ids}
