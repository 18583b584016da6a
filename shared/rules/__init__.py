"""CLAUDE.md versions (the `prompt_versions` table), per user and per project.

The rules panel (workflow 14) is still to come; today this domain only removes what a deleted user or project
leaves behind.
"""

from __future__ import annotations

from shared.db import delete_all
from shared.models.prompts import PromptScope, PromptVersion, prompt_scope_key


def delete_for_user(user_id: str) -> int:
    return delete_all(PromptVersion, PromptVersion.query(prompt_scope_key(PromptScope.USER, user_id)))


def delete_for_project(project_id: str) -> int:
    return delete_all(PromptVersion, PromptVersion.query(prompt_scope_key(PromptScope.PROJECT, project_id)))
