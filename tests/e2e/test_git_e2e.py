"""Git for projects (workflow 13, docs/git.md) end to end: the REST API of the real local stack, the real runner and
git, a Git smart-HTTP remote with basic auth (tests/support/git_server.py), and the real Claude CLI against the fake
Messages API for generated commit messages.

The last test kills the module's runner and then the whole stack (kill -9) and starts it again on the same data.
"""

from __future__ import annotations

import base64
import dataclasses
import itertools
import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.accounts_e2e import Credentials as Login
from tests.support.accounts_e2e import admin_session, create_user, log_in
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.git_server import GitServer
from tests.support.stack import LocalStack, bound_to, free_port, wait_until

pytestmark = [requires_claude]

HTTP_TIMEOUT = 60  # one API call (the API itself waits at most 25 s for a Git job)
JOB_TIMEOUT = 120  # a write that answered 202, until its job ends
BUSY_TIMEOUT = 90  # a read answered 503 ("try again"), retried until then
REMOTE_USER = "alice"
PASSWORD = "correct horse battery staple"  # throwaway accounts on a throwaway stack
# A failed job's error, read at GET /api/git/jobs/{id}, with the status the route would have answered (docs/git.md).
STATUS_OF = {
    "not_initialized": 409, "nothing_staged": 409, "push_rejected": 409, "merge_conflict": 409,
    "merge_in_progress": 409, "hook_rejected": 409, "checkout_blocked": 409, "branch_exists": 409,
    "unknown_branch": 404, "no_remote": 400, "remote_auth_failed": 400, "remote_unreachable": 502,
    "invalid_url": 400, "invalid_path": 400, "invalid_request": 400,
}  # fmt: skip

# Every answer the API gave in this module, as text: no credential may appear in any of them.
ANSWERS: list[str] = []


# --- the API, as a signed-in person ---------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: Any

    @property
    def error(self) -> dict[str, Any]:
        assert isinstance(self.body, dict) and "error" in self.body, self.body
        return dict(self.body["error"])


@dataclass
class Person:
    stack: LocalStack
    username: str
    email: str
    token: str
    user_id: str
    answers: list[str] = field(default_factory=lambda: ANSWERS)

    def call(self, method: str, path: str, **kwargs: Any) -> Answer:
        response = requests.request(
            method,
            f"{self.stack.base_url}/api{path}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=HTTP_TIMEOUT,
            **kwargs,
        )
        self.answers.append(response.text)
        return Answer(response.status_code, response.json() if response.content else None)

    def git(self, method: str, route: str, **fields: Any) -> Answer:
        """One Git route; a 202 is followed to its job's end, a read's 503 is retried (both bounded)."""
        path = f"/git{route}"
        if method in ("GET", "DELETE"):
            params = {k: str(v).lower() if isinstance(v, bool) else v for k, v in fields.items()}
            send = lambda: self.call(method, path, params=params)  # noqa: E731
        else:
            send = lambda: self.call(method, path, json=fields)  # noqa: E731
        deadline = time.monotonic() + BUSY_TIMEOUT
        answer = send()
        while method == "GET" and answer.status == 503 and time.monotonic() < deadline:
            time.sleep(1)
            answer = send()
        if answer.status == 202:
            return self._job_end(answer.body)
        return answer

    def _job_end(self, running: dict[str, Any]) -> Answer:
        assert running["state"] == "running" and running["jobId"], running
        job = wait_until(
            lambda: (j := self.call("GET", f"/git/jobs/{running['jobId']}").body)["state"] != "running" and j,
            timeout=JOB_TIMEOUT,
            interval=0.5,
            what=f"the git {running['op']} job",
        )
        if job["state"] == "succeeded":
            return Answer(200, job["result"])
        # The job's error is the route's: code, message and extras (conflicts) side by side.
        return Answer(STATUS_OF.get(job["error"]["code"], 500), {"error": job["error"]})

    def ok(self, method: str, route: str, **fields: Any) -> Any:
        answer = self.git(method, route, **fields)
        assert answer.status in (200, 201, 204), f"{method} {route}: {answer.status} {answer.body}"
        return answer.body

    def refused(self, method: str, route: str, status: int, code: str, **fields: Any) -> dict[str, Any]:
        answer = self.git(method, route, **fields)
        assert (answer.status, answer.body and answer.body.get("error", {}).get("code")) == (status, code), (
            f"{method} {route}: {answer.status} {answer.body}"
        )
        return answer.error

    # files, through the files API

    def new_project(self, tag: str) -> str:
        answer = self.call("POST", "/projects", json={"name": f"git {tag} {time.monotonic_ns()}"})
        assert answer.status == 201, answer.body
        return str(answer.body["id"])

    def upload(self, project: str, files: dict[str, str]) -> None:
        parts = [("files", (Path(path).name, content.encode(), "text/markdown")) for path, content in files.items()]
        folders = {str(Path(path).parent) for path in files}
        assert folders == {"."}, "upload() takes files at the project's root"
        answer = self.call("POST", f"/files/{project}/upload-documents", files=parts)
        assert answer.status == 201, answer.body

    def save(self, project: str, path: str, content: str) -> None:
        answer = self.call("PUT", f"/projects/{project}/files/content", json={"path": path, "content": content})
        assert answer.status == 200, answer.body

    def read(self, project: str, path: str) -> str | None:
        answer = self.call("GET", f"/projects/{project}/files/content", params={"path": path})
        if answer.status == 404:
            return None
        assert answer.status == 200, answer.body
        return str(answer.body["content"])


def person(stack: LocalStack, name: str) -> Person:
    username = f"{name}-{secrets.token_hex(3)}"
    email = f"{username}@example.com"
    user = create_user(stack, username, PASSWORD, email=email)
    session = log_in(stack, Login(username, PASSWORD))
    return Person(stack, username, email, session.token, str(user["id"]))


def add_member(stack: LocalStack, project: str, who: Person, role: str) -> None:
    """No route shares a project yet: the member row is written as the projects domain writes it."""
    from shared.models.projects import ProjectMember

    with bound_to(stack):
        ProjectMember(project, who.user_id, role=role).save()


def usage_kinds(who: Person) -> set[str]:
    """The kinds of the user's usage events (no route reads them yet: the table, as the usage domain writes it)."""
    from shared.models.usage import UsageEvent

    with bound_to(who.stack):
        return {event.kind for event in UsageEvent.query(who.user_id)}


def files_of(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["path"]: entry for entry in status["files"]}


# --- fixtures -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def remote_token() -> str:
    return f"s3cret-token-{secrets.token_hex(8)}"


@pytest.fixture(scope="module")
def remotes(tmp_path_factory: pytest.TempPathFactory, remote_token: str) -> Iterator[GitServer]:
    with GitServer(tmp_path_factory.mktemp("git-remotes"), username=REMOTE_USER, password=remote_token) as server:
        yield server


@pytest.fixture(scope="module")
def owner(stack: LocalStack) -> Person:
    admin_session(stack)  # the stack's administrator exists before anyone else is made
    return person(stack, "owner")


@pytest.fixture
def repo(owner: Person, remotes: GitServer, remote_token: str, api: FakeAnthropic) -> Iterator[Repo]:
    """A fresh project of `owner` with a repository, and an empty bare repository set as its `origin`."""
    api.unscript()
    tag = secrets.token_hex(4)
    project = owner.new_project(tag)
    owner.ok("POST", "/init", projectId=project)
    bare = f"{tag}.git"
    remotes.create(bare)
    remote = owner.ok(
        "PUT", "/remotes/origin", projectId=project, url=remotes.url(bare), username=REMOTE_USER, token=remote_token
    )
    assert remote == {
        "name": "origin",
        "url": remotes.url(bare),
        "username": REMOTE_USER,
        "credential": "token",
        "hint": remote_token[-4:],
    }
    yield Repo(owner, project, remotes, bare)


@dataclass
class Repo:
    owner: Person
    project: str
    remotes: GitServer
    bare: str

    def commit(self, files: dict[str, str], message: str, by: Person | None = None) -> dict[str, Any]:
        """Save `files` through the files API, stage them and commit; the Commit."""
        who = by or self.owner
        for path, content in files.items():
            who.save(self.project, path, content)
        who.ok("POST", "/stage", projectId=self.project, paths=list(files))
        return dict(who.ok("POST", "/commit", projectId=self.project, message=message)["commit"])

    def status(self, by: Person | None = None) -> dict[str, Any]:
        return dict((by or self.owner).ok("GET", "/status", projectId=self.project))

    def log(self) -> list[dict[str, Any]]:
        return list(self.owner.ok("GET", "/log", projectId=self.project, limit=200)["commits"])


# --- status, commit messages, commits -------------------------------------------------------------------------------


def test_status_shows_an_uploaded_file_untracked_after_init(owner: Person) -> None:
    # Given a project with an uploaded file, a scheduled run's log (the product's own), and no repository
    project = owner.new_project("status")
    owner.upload(project, {"notes.md": "# Notes\n"})
    owner.save(project, ".sasha/schedules/weekly.jsonl", '{"status": "succeeded"}\n')
    before = owner.ok("GET", "/status", projectId=project)
    assert (before["initialized"], before["files"], before["remotes"]) == (False, [], [])
    owner.refused("POST", "/stage", 409, "not_initialized", projectId=project, all=True)

    # When the owner initializes it
    initialized = owner.ok("POST", "/init", projectId=project)

    # Then the status shows the branch and the uploaded file as untracked, nothing staged, no commit yet
    assert (initialized["initialized"], initialized["branch"], initialized["head"]) == (True, "main", None)
    status = owner.ok("GET", "/status", projectId=project)
    assert status["initialized"] is True and status["branch"] == "main" and status["merging"] is False
    assert files_of(status)["notes.md"] == {
        "path": "notes.md",
        "origPath": None,
        "staged": None,
        "unstaged": "untracked",
        "conflicted": False,
    }
    assert not any(path.startswith(".sasha") for path in files_of(status)), status["files"]


def test_a_generated_message_comes_from_the_model_and_the_commit_is_the_users(repo: Repo, api: FakeAnthropic) -> None:
    owner, project = repo.owner, repo.project
    marker = f"budget-line-{secrets.token_hex(6)}"
    message = f"Add the budget notes ({marker[-6:]})"
    # Given a staged file, and the model scripted to answer a request that carries its diff
    owner.save(project, "budget.md", f"# Budget\n\n{marker}\n")
    owner.refused("POST", "/generate-commit-message", 409, "nothing_staged", projectId=project)
    staged = owner.ok("POST", "/stage", projectId=project, paths=["budget.md"])
    assert files_of(staged)["budget.md"]["staged"] == "added"
    api.script(dataclasses.replace(Reply.text(message), when=lambda request: marker in json.dumps(request.body)))
    sent_before = len(api.message_requests)

    # When a commit message is generated
    generated = owner.ok("POST", "/generate-commit-message", projectId=project)

    # Then it is the model's answer, and the model was sent the staged diff
    assert generated["message"].strip() == message
    asked = [json.dumps(r.body) for r in api.message_requests[sent_before:] if marker in json.dumps(r.body)]
    assert asked, "the staged diff never reached the model"
    assert "budget.md" in asked[0] and f"+{marker}" in asked[0]
    # and the model gateway recorded the request as the user's usage, of kind commit_message
    assert usage_kinds(repo.owner) >= {"commit_message"}

    # When the user commits with it
    committed = owner.ok("POST", "/commit", projectId=project, message=generated["message"])

    # Then the commit is theirs (name and email), the first of the branch, and nothing is left to commit
    commit = committed["commit"]
    assert (commit["subject"], commit["authorName"], commit["authorEmail"]) == (message, owner.username, owner.email)
    assert commit["parents"] == [] and commit["shortSha"] == commit["sha"][: len(commit["shortSha"])]
    assert committed["status"]["head"] == commit["sha"] and "budget.md" not in files_of(committed["status"])
    log = owner.ok("GET", "/log", projectId=project)
    assert ([c["sha"] for c in log["commits"]], log["more"]) == ([commit["sha"]], False)
    owner.refused("POST", "/commit", 409, "nothing_staged", projectId=project, message="Nothing")


# --- push and pull --------------------------------------------------------------------------------------------------


def test_a_push_reaches_the_remote_a_stale_push_is_refused_and_a_pull_merges(repo: Repo, remotes: GitServer) -> None:
    owner, project, bare = repo.owner, repo.project, repo.bare
    # Given a commit of the owner
    first = repo.commit({"plan.md": "# Plan\n"}, "Start the plan")

    # When it is pushed
    pushed = owner.ok("POST", "/push", projectId=project)

    # Then the remote has it, by its author, and the branch tracks origin/main with nothing ahead
    assert (pushed["pushed"], pushed["branch"], pushed["remote"]) == (True, "main", "origin")
    assert remotes.log(bare) == [f"{first['sha']} {owner.username} <{owner.email}> Start the plan"]
    assert remotes.read(bare, "plan.md") == "# Plan\n"
    after = pushed["status"]
    assert (after["upstream"], after["ahead"], after["behind"]) == ("origin/main", 0, 0)
    assert all(request.authorized for request in remotes.requests if f"/{bare}/" in request.path)

    # Given someone else pushed meanwhile, and the owner committed too
    theirs = remotes.commit(bare, {"theirs.md": "Their notes\n"}, "Their notes")
    ours = repo.commit({"ours.md": "Our notes\n"}, "Our notes")

    # When the owner pushes
    error = owner.refused("POST", "/push", 409, "push_rejected", projectId=project)

    # Then the push is refused with a message that says to pull first, and the remote is unchanged
    assert "pull" in error["message"].lower(), error
    assert remotes.git(bare, "rev-parse", "main").strip() == theirs

    # When the owner pulls
    pulled = owner.ok("POST", "/pull", projectId=project)

    # Then their work is merged in, their file is in the project's files, and the push now goes through
    assert pulled["outcome"] in ("merged", "fast_forward"), pulled
    assert pulled["status"]["behind"] == 0 and pulled["status"]["merging"] is False
    assert owner.read(project, "theirs.md") == "Their notes\n"
    assert owner.read(project, "ours.md") == "Our notes\n"
    assert owner.ok("POST", "/push", projectId=project)["pushed"] is True
    history = remotes.git(bare, "rev-list", "main").split()
    assert {first["sha"], theirs, ours["sha"]} <= set(history)
    assert remotes.read(bare, "ours.md") == "Our notes\n" and remotes.read(bare, "theirs.md") == "Their notes\n"
    assert owner.ok("GET", "/status", projectId=project)["ahead"] == 0
    remotes.git(bare, "fsck", "--strict")


def test_a_conflicting_pull_lists_the_file_and_abort_restores(repo: Repo, remotes: GitServer) -> None:
    owner, project, bare = repo.owner, repo.project, repo.bare
    # Given a shared file, then a different change to the same line on each side
    repo.commit({"notes.md": "status: draft\n"}, "Notes")
    owner.ok("POST", "/push", projectId=project)
    remotes.commit(bare, {"notes.md": "status: approved by them\n"}, "They approve")
    ours = repo.commit({"notes.md": "status: rejected by us\n"}, "We reject")

    # When the owner pulls
    error = owner.refused("POST", "/pull", 409, "merge_conflict", projectId=project)

    # Then the conflicted file is listed, and the status shows the merge in progress
    assert error["conflicts"] == ["notes.md"], error
    status = repo.status()
    assert (status["merging"], status["conflicts"]) == (True, ["notes.md"])
    assert files_of(status)["notes.md"]["conflicted"] is True
    assert "<<<<<<<" in (owner.read(project, "notes.md") or "")
    diff = owner.ok("GET", "/diff", projectId=project, path="notes.md")
    assert diff["conflicted"] is True

    # When the merge is aborted
    aborted = owner.ok("POST", "/merge/abort", projectId=project)

    # Then the project is back where it was: our commit, our text, no merge, nothing changed
    assert (aborted["merging"], aborted["conflicts"], aborted["head"]) == (False, [], ours["sha"])
    assert "notes.md" not in files_of(aborted)
    assert owner.read(project, "notes.md") == "status: rejected by us\n"
    assert repo.log()[0]["sha"] == ours["sha"]


def test_a_push_the_remotes_hook_refuses_says_so_with_the_hooks_message(repo: Repo, remotes: GitServer) -> None:
    owner, project, bare = repo.owner, repo.project, repo.bare
    # Given a commit, and a remote whose pre-receive hook refuses every push
    commit = repo.commit({"friday.md": "work\n"}, "Friday work")
    remotes.reject_pushes(bare, "policy: no pushes on Fridays")

    # When the owner pushes
    error = owner.refused("POST", "/push", 409, "hook_rejected", projectId=project)

    # Then the answer carries the hook's own words, and the remote is unchanged
    assert "policy: no pushes on Fridays" in json.dumps(error), error
    assert remotes.log(bare) == []
    assert repo.status()["ahead"] in (0, 1)  # no upstream yet, or one commit ahead of it

    # And once the hook allows it, the same push goes through
    remotes.accept_pushes(bare)
    assert owner.ok("POST", "/push", projectId=project)["pushed"] is True
    assert remotes.git(bare, "rev-parse", "main").strip() == commit["sha"]


# --- credentials ----------------------------------------------------------------------------------------------------


def test_wrong_credentials_give_a_clear_error_and_no_token_is_in_any_answer_or_log(
    repo: Repo, remotes: GitServer, remote_token: str, stack: LocalStack
) -> None:
    owner, project, bare = repo.owner, repo.project, repo.bare
    wrong = f"wrong-token-{secrets.token_hex(8)}"
    # Given a commit and a remote whose token the server refuses
    repo.commit({"a.md": "a\n"}, "A")
    owner.ok("PUT", "/remotes/origin", projectId=project, url=remotes.url(bare), username=REMOTE_USER, token=wrong)
    refused_before = sum(1 for r in remotes.requests if not r.authorized)

    # When the owner pushes and fetches
    pushed = owner.refused("POST", "/push", 400, "remote_auth_failed", projectId=project)
    fetched = owner.refused("POST", "/fetch", 400, "remote_auth_failed", projectId=project, remote="origin")

    # Then both say the credentials were refused, the server did refuse them, and the remote is untouched
    for error in (pushed, fetched):
        assert any(word in error["message"].lower() for word in ("credential", "token", "password")), error
    assert sum(1 for r in remotes.requests if not r.authorized) > refused_before
    assert remotes.log(bare) == []

    # And with the right token again the same push goes through
    origin = {"url": remotes.url(bare), "username": REMOTE_USER}
    owner.ok("PUT", "/remotes/origin", projectId=project, **origin, token=remote_token)
    assert owner.ok("POST", "/push", projectId=project)["pushed"] is True
    remotes_answer = owner.ok("GET", "/remotes", projectId=project)
    assert [r["hint"] for r in remotes_answer] == [remote_token[-4:]]

    # Then neither token (nor the header made of it) is in any answer the API gave, any log, or the runner's files
    leaks = _secrets_of(remote_token) + _secrets_of(wrong)
    assert not [secret for secret in leaks for answer in ANSWERS if secret in answer]
    found = _files_containing(
        [stack.data_dir / "stack.out", stack.data_dir / "logs", stack.sandbox_dir], [s.encode() for s in leaks]
    )
    assert found == [], f"a credential was written to {found}"
    listed = stack.client("s3").list_objects_v2(Bucket="studio-workspace", Prefix=f"projects/{project}/git/")
    keys = [item["Key"] for item in listed.get("Contents", [])]
    assert any(key.endswith("/HEAD") for key in keys), keys  # the repository's durable copy is there
    config = next((key for key in keys if key.endswith("/config")), None)
    if config:
        body = stack.client("s3").get_object(Bucket="studio-workspace", Key=config)["Body"].read()
        assert not any(secret.encode() in body for secret in leaks)
        assert REMOTE_USER.encode() + b":" not in body


def test_a_missing_or_unreachable_remote_gives_a_clear_error(repo: Repo, remote_token: str) -> None:
    owner, project = repo.owner, repo.project
    repo.commit({"a.md": "a\n"}, "A")
    # When the owner pushes to a remote the project does not have
    owner.refused("POST", "/push", 400, "no_remote", projectId=project, remote="upstream")

    # When the owner pushes to a remote nothing listens on
    closed = f"http://127.0.0.1:{free_port()}/nobody.git"
    owner.ok("PUT", "/remotes/dead", projectId=project, url=closed, username=REMOTE_USER, token=remote_token)
    error = owner.refused("POST", "/push", 502, "remote_unreachable", projectId=project, remote="dead")

    # Then the answer says the remote could not be reached, and removing the remote works
    assert "dead" in error["message"] or "reach" in error["message"].lower(), error
    assert owner.git("DELETE", "/remotes/dead", projectId=project).status == 204
    owner.refused("POST", "/push", 400, "no_remote", projectId=project, remote="dead")


def test_a_remote_url_with_credentials_is_refused_and_only_the_owner_sets_remotes(
    repo: Repo, remotes: GitServer, stack: LocalStack
) -> None:
    owner, project = repo.owner, repo.project
    # When the owner gives a URL with a user name and password in it
    url = remotes.url(repo.bare).replace("http://", "http://alice:hunter2-in-url@")
    error = owner.refused("PUT", "/remotes/origin", 400, "invalid_url", projectId=project, url=url)

    # Then it is refused without echoing the password, and the remote stays as it was
    assert "hunter2-in-url" not in json.dumps(error)
    assert [r["url"] for r in owner.ok("GET", "/remotes", projectId=project)] == [remotes.url(repo.bare)]

    # Given an editor and a viewer of the project
    editor, viewer = person(stack, "editor"), person(stack, "viewer")
    add_member(stack, project, editor, "editor")
    add_member(stack, project, viewer, "viewer")
    owner.save(project, "draft.md", "draft\n")

    # Then the viewer reads the status and log but cannot stage, commit, push or set a remote
    assert "draft.md" in files_of(repo.status(by=viewer))
    viewer.ok("GET", "/log", projectId=project)
    assert viewer.git("POST", "/stage", projectId=project, paths=["draft.md"]).status == 403
    owner.ok("POST", "/stage", projectId=project, paths=["draft.md"])
    assert viewer.git("POST", "/commit", projectId=project, message="Sneaky").status == 403
    assert viewer.git("POST", "/push", projectId=project).status == 403
    assert viewer.git("PUT", "/remotes/evil", projectId=project, url=remotes.url("x.git")).status == 403
    assert repo.log() == []
    # And the editor may commit but not set the remotes
    assert editor.ok("POST", "/commit", projectId=project, message="Draft")["commit"]["authorName"] == editor.username
    assert editor.git("PUT", "/remotes/origin", projectId=project, url=remotes.url("x.git")).status == 403
    assert editor.git("DELETE", "/remotes/origin", projectId=project).status == 403
    assert [r["name"] for r in owner.ok("GET", "/remotes", projectId=project)] == ["origin"]


# --- concurrency ----------------------------------------------------------------------------------------------------


def test_two_users_committing_at_once_leave_a_linear_consistent_history(
    repo: Repo, remotes: GitServer, stack: LocalStack
) -> None:
    owner, project = repo.owner, repo.project
    # Given an editor beside the owner, and a first commit
    editor = person(stack, "coauthor")
    add_member(stack, project, editor, "editor")
    base = repo.commit({"README.md": "# Shared\n"}, "Start")
    rounds, outcomes = 3, []

    # When, three times over, both stage their own new file and commit at the same moment
    for round_number in range(rounds):
        barrier = threading.Barrier(2, timeout=30)
        results: dict[str, Any] = {}

        def work(who: Person, path: str, results: dict[str, Any] = results, barrier: Any = barrier) -> None:
            who.save(project, path, f"{who.username} wrote {path}\n")
            barrier.wait()
            staged = who.git("POST", "/stage", projectId=project, paths=[path])
            committed = who.git("POST", "/commit", projectId=project, message=f"{path} by {who.username}")
            results[path] = (who, staged, committed)

        threads = [
            threading.Thread(target=work, args=(owner, f"owner-{round_number}.md")),
            threading.Thread(target=work, args=(editor, f"editor-{round_number}.md")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=JOB_TIMEOUT)
        assert not any(thread.is_alive() for thread in threads), "a commit never ended"
        outcomes.append(results)

    # Then every call ended well: a stage succeeded, and a commit either made a commit or found its file already
    # committed by the other (the index is the project's, shared: whoever commits first takes what is staged)
    commits: list[dict[str, Any]] = []
    for results in outcomes:
        assert len(results) == 2
        for who, staged, committed in results.values():
            assert staged.status == 200, staged.body
            assert committed.status == 200 or (committed.status, committed.error["code"]) == (409, "nothing_staged"), (
                committed.body
            )
            if committed.status == 200:
                commit = committed.body["commit"]
                assert (commit["authorName"], commit["authorEmail"]) == (who.username, who.email)
                commits.append(commit)
        assert any(committed.status == 200 for _, _, committed in results.values())
    # And the history is linear and holds every commit made, newest first, each on the one before
    log = repo.log()
    assert len(log) == len(commits) + 1
    assert {c["sha"] for c in commits} | {base["sha"]} == {c["sha"] for c in log}
    for newer, older in itertools.pairwise(log):
        assert newer["parents"] == [older["sha"]]
    assert log[-1]["parents"] == []
    # And every file is committed, nothing is left over, and a clone of the pushed branch is sound
    status = repo.status()
    assert status["files"] == [] and status["merging"] is False
    repo.owner.ok("POST", "/push", projectId=project)
    names = set(remotes.git(repo.bare, "ls-tree", "--name-only", "main").split())
    assert {f"{who}-{n}.md" for who in ("owner", "editor") for n in range(rounds)} | {"README.md"} <= names
    _fsck_a_clone(remotes, repo.bare)


def _fsck_a_clone(remotes: GitServer, bare: str) -> None:
    with tempfile.TemporaryDirectory(prefix="git-e2e-clone-") as scratch:
        remotes.client("clone", "--quiet", remotes.url(bare), f"{scratch}/clone")
        checked = subprocess.run(
            ["git", "-C", f"{scratch}/clone", "fsck", "--strict", "--full"],
            capture_output=True,
            text=True,
            timeout=HTTP_TIMEOUT,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr


# --- durability (last: it restarts the module's stack) --------------------------------------------------------------


def test_the_repository_survives_a_runner_restart_and_a_kill_9_of_the_stack(
    repo: Repo, remotes: GitServer, stack: LocalStack
) -> None:
    owner, project = repo.owner, repo.project
    # Given a commit and an uncommitted, staged change
    first = repo.commit({"keep.md": "kept\n"}, "Keep this")
    owner.save(project, "staged.md", "staged\n")
    owner.ok("POST", "/stage", projectId=project, paths=["staged.md"])

    # When the runner is killed (kill -9) and the stack restarts it
    old_runner = stack.info()["children"]["runner"]
    os.kill(old_runner, signal.SIGKILL)
    wait_until(lambda: stack.info()["children"]["runner"] != old_runner, timeout=60, what="the runner to be restarted")

    # Then the repository is as it was: the commit, the staged file
    status = repo.status()
    assert status["head"] == first["sha"] and files_of(status)["staged.md"]["staged"] == "added"
    second = owner.ok("POST", "/commit", projectId=project, message="After the runner restart")["commit"]
    assert second["parents"] == [first["sha"]]

    # When the whole stack is killed (kill -9) once its data is on disk, and starts again on a fresh sandbox
    stack.wait_saved()
    stack.kill()
    shutil.rmtree(stack.sandbox_dir, ignore_errors=True)  # a new machine: only the durable copy is left
    stack.start()

    # Then the history, the branch and the files are all there, and work goes on: a commit and a push
    status = repo.status()
    assert (status["initialized"], status["branch"], status["head"], status["files"]) == (
        True,
        "main",
        second["sha"],
        [],
    )
    assert [c["sha"] for c in repo.log()] == [second["sha"], first["sha"]]
    third = repo.commit({"after.md": "after the crash\n"}, "After the crash")
    assert third["parents"] == [second["sha"]]
    assert owner.ok("POST", "/push", projectId=project)["pushed"] is True
    assert remotes.git(repo.bare, "rev-parse", "main").strip() == third["sha"]
    _fsck_a_clone(remotes, repo.bare)


# --- helpers --------------------------------------------------------------------------------------------------------


def _secrets_of(token: str) -> list[str]:
    """The token, and the Authorization header value git would send for it."""
    return [token, base64.b64encode(f"{REMOTE_USER}:{token}".encode()).decode()]


def _files_containing(roots: list[Path], needles: list[bytes], limit: int = 64 * 1024 * 1024) -> list[str]:
    found = []
    for root in roots:
        paths = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
        for path in paths:
            try:
                if path.stat().st_size > limit:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            if any(needle in data for needle in needles):
                found.append(str(path))
    return found
