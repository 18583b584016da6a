"""CLAUDE.md versions (the `prompt_versions` table), per user and per project: docs/rules.md."""

from shared.rules.store import delete_for_project, delete_for_user

__all__ = ["delete_for_project", "delete_for_user"]
