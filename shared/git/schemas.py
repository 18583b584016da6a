"""What clients send to the Git routes (docs/git.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from shared.schema import Schema

ProjectId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
RemoteName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
BranchName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
RepoPath = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
MAX_MESSAGE = 10_000


class ProjectRef(Schema):
    project_id: ProjectId


class Init(ProjectRef):
    branch: BranchName = "main"


class Paths(ProjectRef):
    """Some paths, or all of them."""

    paths: list[RepoPath] = Field(default_factory=list, max_length=1000)
    all: bool = False

    @model_validator(mode="after")
    def _some(self) -> Paths:
        if not self.all and not self.paths:
            raise ValueError("Give 'paths' (a list of files) or 'all': true.")
        return self


class CommitRequest(ProjectRef):
    message: Annotated[str, StringConstraints(max_length=MAX_MESSAGE)]

    @model_validator(mode="after")
    def _written(self) -> CommitRequest:
        if not self.message.strip():
            raise ValueError("Write a commit message.")
        return self


class RemoteOp(ProjectRef):
    remote: RemoteName = "origin"


class NewBranch(ProjectRef):
    name: BranchName
    checkout: bool = True


class Checkout(ProjectRef):
    branch: BranchName


class RemoteSetup(ProjectRef):
    """An HTTPS remote and its credential: a token, or a user name and password."""

    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2048)]
    username: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    token: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4096)] | None = None
    password: Annotated[str, StringConstraints(max_length=4096)] | None = None

    @model_validator(mode="after")
    def _one_credential(self) -> RemoteSetup:
        if self.token and self.password:
            raise ValueError("Give a token or a password, not both.")
        if self.password and not self.username:
            raise ValueError("A password needs a user name.")
        return self
