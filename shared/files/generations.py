"""The `file_trees` table: each project's file-tree generation, which every change to its files moves on.

Light on purpose (no pydantic): the ingest function and the runner move generations on; `shared.files.tree`
reads them to know whether a cached tree is still current.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from shared.concurrency import then
from shared.db import Reads
from shared.models.base import utcnow
from shared.models.files import FileTree


def invalidate(project_id: str) -> int:
    """Note that the project's files changed (after the change is in S3); returns the new generation."""
    item = FileTree(project_id)
    item.update(actions=[FileTree.generation.add(1), FileTree.changed_at.set(utcnow())])
    return int(item.generation)


def generation(project_id: str) -> int:
    try:
        return int(FileTree.get(project_id, consistent_read=True).generation)
    except DoesNotExist:
        return 0


def generation_in(reads: Reads, key: str) -> Future[int]:
    """`generation(key)`, read with others (shared.db.Reads)."""
    return then(reads.get(FileTree, key, consistent_read=True), lambda row: int(row.generation) if row else 0)


@dataclass(frozen=True, slots=True)
class Generation:
    """A generation, and when it last moved (None: never, or before this was kept)."""

    number: int
    moved_at: datetime | None

    def moved_within(self, seconds: float) -> bool:
        return self.moved_at is not None and (utcnow() - self.moved_at).total_seconds() < seconds


def generation_at_in(reads: Reads, key: str) -> Future[Generation]:
    """The generation of `key` and when it moved, read with others (shared.db.Reads)."""
    return then(
        reads.get(FileTree, key, consistent_read=True),
        lambda row: Generation(int(row.generation), row.changed_at) if row else Generation(0, None),
    )


def moved_in(tx: TransactWrite, key: str) -> None:
    """Move the generation of `key` on as one write of the transaction `tx` (with the change it stands for)."""
    tx.update(FileTree(key), actions=[FileTree.generation.add(1), FileTree.changed_at.set(utcnow())])


def mounts_key(project_id: str) -> str:
    """The key of the generation of a project's drive mounts (shared.drives moves it on as one comes or goes)."""
    return f"mounts/{project_id}"


def rules_key(scope_key: str) -> str:
    """The key of the generation of a scope's CLAUDE.md (shared.rules.store moves it on with every version)."""
    return f"rules/{scope_key}"


def transcripts_key(project_id: str, user_id: str) -> str:
    """The key of the generation of a user's transcripts of a project (the runner syncs them like a project's files)."""
    return f"transcripts/{project_id}/{user_id}"


def forget(key: str) -> None:
    """Drop a generation (a project's: the project is being deleted)."""
    FileTree(key).delete()  # deleting an absent item is not an error
