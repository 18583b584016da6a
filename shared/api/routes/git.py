"""Workflow 13, Git for projects (docs/git.md): every route names its project and runs one Git job on the runner.

Writes that outlast the API's wait answer 202 with the job's id; the end arrives as a `git.done` event and at
GET /api/git/jobs/{jobId}.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from shared import audit
from shared.api.deps import Context, CurrentUser
from shared.api.openapi import error_answer
from shared.audit import Action, Target
from shared.git import remotes, service
from shared.git.schemas import (
    Checkout,
    CommitRequest,
    Init,
    NewBranch,
    Paths,
    ProjectRef,
    RemoteName,
    RemoteOp,
    RemoteSetup,
)
from shared.git.views import (
    Branches,
    CommitMessage,
    Committed,
    Diff,
    Fetched,
    JobState,
    Log,
    Pulled,
    Pushed,
    Remote,
    Running,
    Status,
)
from shared.schema import View

router = APIRouter(prefix="/git", tags=["git"])

ProjectQuery = Annotated[str, Query(alias="projectId", pattern=r"^[0-9a-f]{32}$", description="The project's id")]
RemoteInPath = Annotated[RemoteName, Path(description="The remote's name, for example origin")]
LONG_RUNNING: dict[int | str, dict[str, Any]] = {
    202: {"model": Running, "description": "Still running: follow `git.done` or GET /api/git/jobs/{jobId}"}
}
REMOTE_ROUTE: dict[int | str, dict[str, Any]] = {
    **LONG_RUNNING,
    502: error_answer("The remote did not answer (remote_unreachable): it does not resolve, refuses, or times out"),
}


def _answer(result: View | Running) -> Any:
    if isinstance(result, Running):
        return JSONResponse(result.model_dump(by_alias=True, mode="json"), status_code=202)
    return result


@router.get("/status", response_model=Status, summary="Branch, ahead/behind, staged, unstaged and untracked files")
def status(project_id: ProjectQuery, caller: CurrentUser) -> Any:
    return service.run(caller, project_id, "status")


@router.get("/diff", response_model=Diff, summary="One file's changes, staged or not (256 KB at most)")
def diff(
    project_id: ProjectQuery,
    path: Annotated[str, Query(min_length=1, max_length=1024)],
    caller: CurrentUser,
    staged: bool = False,
) -> Any:
    return service.run(caller, project_id, "diff", {"path": service.checked_path(path), "staged": staged})


@router.get("/log", response_model=Log, summary="Commits of the current branch, newest first")
def log(
    project_id: ProjectQuery,
    caller: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    skip: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Any:
    return service.run(caller, project_id, "log", {"limit": limit, "skip": skip})


@router.get("/branches", response_model=Branches, summary="Local branches and the current one")
def branches(project_id: ProjectQuery, caller: CurrentUser) -> Any:
    return service.run(caller, project_id, "branches")


@router.post("/init", response_model=Status, responses=LONG_RUNNING, summary="Start the project's repository")
def init(body: Init, caller: CurrentUser) -> Any:
    return _answer(service.run(caller, body.project_id, "init", {"branch": service.checked_branch(body.branch)}))


@router.post("/stage", response_model=Status, responses=LONG_RUNNING, summary="Stage files (or all changes)")
def stage(body: Paths, caller: CurrentUser) -> Any:
    return _answer(service.run(caller, body.project_id, "stage", service.paths_args(body)))


@router.post("/unstage", response_model=Status, responses=LONG_RUNNING, summary="Unstage files (or everything)")
def unstage(body: Paths, caller: CurrentUser) -> Any:
    return _answer(service.run(caller, body.project_id, "unstage", service.paths_args(body)))


@router.post(
    "/generate-commit-message",
    response_model=CommitMessage,
    responses=LONG_RUNNING,
    summary="Claude writes a commit message for the staged changes",
)
def generate_commit_message(body: ProjectRef, caller: CurrentUser) -> Any:
    return _answer(service.run(caller, body.project_id, "commit_message"))


@router.post("/commit", response_model=Committed, responses=LONG_RUNNING, summary="Commit the staged changes")
def commit(body: CommitRequest, caller: CurrentUser) -> Any:
    return _answer(service.run(caller, body.project_id, "commit", {"message": body.message}))


@router.post("/push", response_model=Pushed, responses=REMOTE_ROUTE, summary="Push the current branch")
def push(body: RemoteOp, caller: CurrentUser) -> Any:
    return _answer(service.run(caller, body.project_id, "push", {"remote": body.remote}))


@router.post("/pull", response_model=Pulled, responses=REMOTE_ROUTE, summary="Fetch and merge the current branch")
def pull(body: RemoteOp, caller: CurrentUser) -> Any:
    return _answer(service.run(caller, body.project_id, "pull", {"remote": body.remote}))


@router.post("/fetch", response_model=Fetched, responses=REMOTE_ROUTE, summary="Fetch the remote's branches")
def fetch(body: RemoteOp, caller: CurrentUser) -> Any:
    return _answer(service.run(caller, body.project_id, "fetch", {"remote": body.remote}))


@router.post("/merge/abort", response_model=Status, responses=LONG_RUNNING, summary="Abort a merge with conflicts")
def merge_abort(body: ProjectRef, caller: CurrentUser) -> Any:
    return _answer(service.run(caller, body.project_id, "merge_abort"))


@router.post("/branches", response_model=Branches, responses=LONG_RUNNING, summary="Create a branch (and switch)")
def create_branch(body: NewBranch, caller: CurrentUser) -> Any:
    args = {"name": service.checked_branch(body.name), "checkout": body.checkout}
    return _answer(service.run(caller, body.project_id, "create_branch", args))


@router.post("/checkout", response_model=Status, responses=LONG_RUNNING, summary="Switch to another branch")
def checkout(body: Checkout, caller: CurrentUser) -> Any:
    return _answer(service.run(caller, body.project_id, "checkout", {"branch": service.checked_branch(body.branch)}))


@router.get("/remotes", response_model=list[Remote], summary="The project's remotes (URL and a hint of the secret)")
def list_remotes(project_id: ProjectQuery, caller: CurrentUser) -> list[Remote]:
    return service.remotes_of(caller, project_id)


@router.put("/remotes/{name}", response_model=Remote, summary="Add or change a remote (owner or administrator)")
def put_remote(name: RemoteInPath, body: RemoteSetup, caller: CurrentUser, context: Context) -> Remote:
    remote = remotes.put(caller, body.project_id, name, body)
    after = {"url": remote.url, "username": remote.username, "credentialType": remote.credential}
    target = Target("git_remote", body.project_id, name)  # a remote is named within its project
    audit.record(Action.GIT_REMOTE_SAVED, actor=caller, target=target, context=context, after=after)
    return remote


@router.delete("/remotes/{name}", status_code=204, summary="Remove a remote and its credential")
def delete_remote(name: RemoteInPath, project_id: ProjectQuery, caller: CurrentUser, context: Context) -> Response:
    remotes.remove(caller, project_id, name)
    audit.record(
        Action.GIT_REMOTE_DELETED, actor=caller, target=Target("git_remote", project_id, name), context=context
    )
    return Response(status_code=204)


@router.get("/jobs/{job_id}", response_model=JobState, summary="A Git job you started: running, or its outcome")
def job(job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], caller: CurrentUser) -> JobState:
    return service.job(caller, job_id)
