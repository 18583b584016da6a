"""Every Git operation a job can run: whether it changes the project, and the view its result is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.git import views
from shared.schema import View

JOB_TYPE = "git"


@dataclass(frozen=True, slots=True)
class Op:
    name: str
    view: type[View]
    write: bool  # needs write access to the project; the repository is pushed after
    network: bool = False  # talks to a remote: progress events, and the API answers 202 when it takes long
    files: bool = False  # may change the work tree (the project's files): they are pushed after too


OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op("status", views.Status, write=False),
        Op("diff", views.Diff, write=False),
        Op("log", views.Log, write=False),
        Op("branches", views.Branches, write=False),
        Op("init", views.Status, write=True),
        Op("stage", views.Status, write=True),
        Op("unstage", views.Status, write=True),
        Op("commit_message", views.CommitMessage, write=True),
        Op("commit", views.Committed, write=True),
        Op("merge_abort", views.Status, write=True, files=True),
        Op("create_branch", views.Branches, write=True),
        Op("checkout", views.Status, write=True, files=True),
        Op("push", views.Pushed, write=True, network=True),
        Op("pull", views.Pulled, write=True, network=True, files=True),
        Op("fetch", views.Fetched, write=True, network=True),
    )
}


def wire(op: str, result: dict[str, Any]) -> dict[str, Any]:
    """A job's result as the API and the WebSocket show it (camelCase)."""
    return OPS[op].view.model_validate(result).model_dump(by_alias=True, mode="json")
