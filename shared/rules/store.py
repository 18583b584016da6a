"""The `prompt_versions` table: the versions of one scope's CLAUDE.md, the newest being the active one.

scope "user#<id>" or "project#<id>":   v1 (inactive) → v2 (inactive) → … → vn (is_active)

append(n+1): one TransactWrite
    Put    version n+1            IF attribute_not_exists(version)     -- two savers cannot both take n+1
    Update version n  is_active=F IF is_active = true                  -- (absent when n = 0)
    Update the scope's generation (file_trees "rules/<scope>") ADD 1   -- a reader's copy is current while it holds
Either all happen or none: the loser of a race gets VersionTakenError and no row, so exactly one
version of a scope is active, and it is always the newest.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from shared.db import delete_all, transaction
from shared.files import generations
from shared.models.prompts import PromptScope, PromptSource, PromptVersion, prompt_scope_key
from shared.rules.errors import VersionTakenError

__all__ = [
    "PromptScope",
    "PromptSource",
    "PromptVersion",
    "append",
    "delete_for_project",
    "delete_for_user",
    "find",
    "latest",
    "page",
    "scope_key",
]


def scope_key(scope: PromptScope, owner_id: str) -> str:
    return prompt_scope_key(scope, owner_id)


def latest(key: str) -> PromptVersion | None:
    """The active version of a scope (the newest), read consistently; None before the first save."""
    return next(iter(PromptVersion.query(key, scan_index_forward=False, limit=1, consistent_read=True)), None)


def find(key: str, version: int) -> PromptVersion | None:
    try:
        return PromptVersion.get(key, version, consistent_read=True)
    except DoesNotExist:
        return None


def page(key: str, *, before: int | None, limit: int) -> list[PromptVersion]:
    """Up to `limit` versions older than `before` (all when None), newest first."""
    condition = PromptVersion.version < before if before is not None else None
    return list(PromptVersion.query(key, condition, scan_index_forward=False, limit=limit, consistent_read=True))


def append(
    key: str, previous: int, *, content: str, sha256: str, author_id: str, source: PromptSource
) -> PromptVersion:
    """Save version previous+1 and deactivate `previous` together (module docstring); raises VersionTakenError."""
    row = PromptVersion(
        key,
        previous + 1,
        content=content,
        sha256=sha256,
        is_active=True,
        author_id=author_id,
        source=source.value,
        size=len(content.encode("utf-8")),
    )
    try:
        with transaction() as tx:
            tx.save(row, condition=PromptVersion.version.does_not_exist())
            if previous:
                tx.update(
                    PromptVersion(key, previous),
                    actions=[PromptVersion.is_active.set(False)],
                    condition=PromptVersion.is_active == True,  # noqa: E712 (a condition, not a comparison)
                )
            generations.moved_in(tx, generations.rules_key(key))
    except TransactWriteError as exc:
        raise VersionTakenError() from exc
    return row


def delete_for_user(user_id: str) -> int:
    return _delete_scope(prompt_scope_key(PromptScope.USER, user_id))


def delete_for_project(project_id: str) -> int:
    return _delete_scope(prompt_scope_key(PromptScope.PROJECT, project_id))


def _delete_scope(key: str) -> int:
    deleted = delete_all(PromptVersion, PromptVersion.query(key))
    generations.forget(generations.rules_key(key))
    return deleted
