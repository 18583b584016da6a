"""What the API answers about a project's repository (docs/git.md); the runner's job results validate into these."""

from __future__ import annotations

from typing import Literal

from shared.schema import Schema, View

Staged = Literal["added", "modified", "deleted", "renamed"]
Unstaged = Literal["modified", "deleted", "untracked"]


class Remote(View):
    """A remote as anyone who may read the project sees it: the URL without credentials, a hint of the secret."""

    name: str
    url: str
    username: str | None = None
    credential: Literal["token", "password"] | None = None
    hint: str | None = None


class ChangedFile(View):
    path: str
    orig_path: str | None = None
    staged: Staged | None = None
    unstaged: Unstaged | None = None
    conflicted: bool = False


class Status(View):
    initialized: bool
    branch: str | None = None
    head: str | None = None
    upstream: str | None = None
    ahead: int = 0
    behind: int = 0
    merging: bool = False
    conflicts: list[str] = []
    files: list[ChangedFile] = []
    truncated: bool = False
    remotes: list[Remote] = []

    def with_remotes(self, remotes: list[Remote]) -> Status:
        return self.model_copy(update={"remotes": remotes})


class Diff(View):
    path: str
    staged: bool
    binary: bool = False
    truncated: bool = False
    conflicted: bool = False
    diff: str = ""


class Commit(View):
    sha: str
    short_sha: str
    subject: str
    body: str = ""
    author_name: str
    author_email: str
    date: str
    parents: list[str] = []


class Committed(View):
    commit: Commit
    status: Status


class Pushed(View):
    pushed: bool
    remote: str
    branch: str
    status: Status


class Pulled(View):
    outcome: Literal["up_to_date", "fast_forward", "merged"]
    status: Status


class Fetched(View):
    status: Status


class Branch(View):
    name: str
    current: bool = False
    sha: str | None = None
    subject: str | None = None
    upstream: str | None = None


class Branches(View):
    current: str | None = None
    branches: list[Branch] = []


class Log(View):
    commits: list[Commit] = []
    more: bool = False


class CommitMessage(View):
    message: str


class Running(Schema):
    """A write that outlasted the API's wait: it goes on; `git.done` (and GET /api/git/jobs/{jobId}) tells the end."""

    job_id: str
    op: str
    state: Literal["running"] = "running"


class JobState(Schema):
    job_id: str
    op: str
    state: Literal["running", "succeeded", "failed"]
    result: dict | None = None
    error: dict | None = None
