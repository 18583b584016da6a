"""The runner's Git (runner/git): real git against a real smart-HTTP server on 127.0.0.1, no AWS.

What a user meets (status, diff, commit, push, pull, conflicts, wrong credentials), what keeps the runner safe
from a project's content (a planted `.git`, hooks, links), and the repository's copy in S3 (moto) that any
runner brings back. Integration (not `unit`): it runs git.
"""

from __future__ import annotations

import base64
import dataclasses
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.git import Author, Git, ProjectRepository, Repository
from runner.sandbox import Sandbox
from shared.git.errors import GitError
from shared.settings import Settings
from tests.support.accounts import AccountsStack
from tests.support.git_server import GitServer

ALICE = Author("Alice Example", "alice@example.com")


class Place:
    """A work tree, its repository (outside it) and a remote on the test server."""

    def __init__(self, root: Path, server: GitServer) -> None:
        self.root, self.server = root, server
        self.files = root / "files"
        self.files.mkdir(parents=True)
        (root / "home").mkdir()
        self.repo = self.open()
        self.url = server.url("team.git")

    def open(self, author: Author = ALICE) -> Repository:
        git = Git(self.root / "git", self.files, home=self.root / "home", deadline=time.monotonic() + 60,
                  allow_http=True, author=author)  # fmt: skip
        return Repository(git)

    def write(self, path: str, content: str) -> None:
        target = self.files / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)

    def config(self, password: str = "s3cret-token") -> dict[str, str]:
        basic = base64.b64encode(f"alice:{password}".encode()).decode()
        return {
            "http.curloptResolve": f"127.0.0.1:{self.server.port}:127.0.0.1",
            f"http.{self.url}.extraHeader": f"Authorization: Basic {basic}",
        }

    def committed(self, message: str = "Add notes") -> None:
        self.repo.stage([], everything=True)
        self.repo.commit(message)

    def connected(self) -> Repository:
        self.repo.set_remote("origin", self.url)
        return self.repo


@pytest.fixture
def place(tmp_path: Path) -> Iterator[Place]:
    with GitServer(tmp_path / "remotes") as server:
        server.create("team.git")
        yield Place(tmp_path / "project", server)


def test_a_project_without_a_repository_says_so_and_init_lists_its_files(place: Place) -> None:
    # Given a project with a document and the product's run log
    place.write("notes.md", "hello\n")
    place.write(".sasha/schedules/weekly.jsonl", "{}\n")
    assert place.repo.status() == {"initialized": False}
    with pytest.raises(GitError) as refused:
        place.repo.log(10, 0)
    assert refused.value.code == "not_initialized"

    # When the repository starts, then the document is untracked and the run log is not offered at all
    status = place.repo.init("main")
    assert status["branch"] == "main" and status["head"] is None
    assert status["files"] == [{"path": "notes.md", "unstaged": "untracked"}]
    assert not (place.files / ".git").exists()  # the repository lives outside the files


def test_stage_diff_commit_and_log_carry_the_users_name(place: Place) -> None:
    place.write("notes.md", "hello\n")
    place.write("data.bin", "\0\1\2" * 10)
    place.repo.init("main")

    staged = place.repo.stage(["notes.md"], everything=False)
    assert {"path": "notes.md", "orig_path": None, "staged": "added", "unstaged": None} in staged["files"]
    diff = place.repo.diff("notes.md", staged=True)
    assert "+hello" in diff["diff"] and not diff["binary"]
    assert place.repo.diff("data.bin", staged=False) | {"diff": ""} == {
        "path": "data.bin", "staged": False, "binary": True, "truncated": False, "conflicted": False, "diff": "",
    }  # fmt: skip

    committed = place.repo.commit("Add notes\n\nThe first page.")
    commit = committed["commit"]
    assert (commit["subject"], commit["body"]) == ("Add notes", "The first page.")
    assert (commit["author_name"], commit["author_email"]) == (ALICE.name, ALICE.email)
    assert [c["sha"] for c in place.repo.log(10, 0)["commits"]] == [commit["sha"]]
    assert committed["status"]["files"] == [{"path": "data.bin", "unstaged": "untracked"}]

    with pytest.raises(GitError) as nothing:
        place.repo.commit("again")
    assert nothing.value.code == "nothing_staged"


def test_a_large_diff_is_cut_and_says_so(place: Place) -> None:
    place.repo.init("main")
    place.write("big.txt", "".join(f"line {n}\n" for n in range(60_000)))
    diff = place.repo.diff("big.txt", staged=False)
    assert diff["truncated"] and len(diff["diff"].encode()) <= 200 * 1024


def test_push_pull_and_what_refuses_them(place: Place) -> None:
    # Given a commit pushed to the remote
    place.write("notes.md", "hello\n")
    place.repo.init("main")
    place.committed()
    repo = place.connected()

    with pytest.raises(GitError) as wrong:
        repo.push("origin", place.config(password="wrong"), None)
    assert wrong.value.code == "remote_auth_failed"
    assert "wrong" not in wrong.value.message

    phases: list[tuple[str, int | None]] = []
    pushed = repo.push("origin", place.config(), lambda phase, percent: phases.append((phase, percent)))
    assert pushed["pushed"] and pushed["status"]["upstream"] == "origin/main"
    assert place.server.log("team.git", fmt="%an %s") == [f"{ALICE.name} Add notes"]
    assert phases and phases[-1][1] == 100

    # When someone else pushes first, then our push is refused with what to do
    place.server.commit("team.git", {"theirs.md": "theirs\n"})
    place.write("notes.md", "hello again\n")
    place.committed("Edit notes")
    with pytest.raises(GitError) as rejected:
        repo.push("origin", place.config(), None)
    assert rejected.value.code == "push_rejected" and "Pull first" in rejected.value.message

    # And a pull merges their change, after which the push goes through
    pulled = repo.pull("origin", place.config(), None)
    assert pulled["outcome"] == "merged" and (place.files / "theirs.md").read_text() == "theirs\n"
    assert pulled["status"]["ahead"] == 2 and pulled["status"]["behind"] == 0
    assert repo.push("origin", place.config(), None)["pushed"]


def test_a_conflicting_pull_lists_the_file_shows_it_and_can_be_aborted(place: Place) -> None:
    place.write("notes.md", "base\n")
    place.repo.init("main")
    place.committed()
    repo = place.connected()
    repo.push("origin", place.config(), None)
    place.server.commit("team.git", {"notes.md": "theirs\n"})
    place.write("notes.md", "mine\n")
    place.committed("Mine")

    with pytest.raises(GitError) as conflict:
        repo.pull("origin", place.config(), None)
    assert conflict.value.code == "merge_conflict" and conflict.value.details == {"conflicts": ["notes.md"]}

    status = repo.status()
    assert status["merging"] and status["conflicts"] == ["notes.md"]
    diff = repo.diff("notes.md", staged=False)
    assert diff["conflicted"] and "<<<<<<< HEAD" in diff["diff"] and "origin/main" in diff["diff"]
    with pytest.raises(GitError) as busy:
        repo.checkout("main")
    assert busy.value.code == "merge_in_progress"

    aborted = repo.merge_abort()
    assert not aborted["merging"] and (place.files / "notes.md").read_text() == "mine\n"


def test_a_hook_that_refuses_a_push_is_quoted(place: Place) -> None:
    place.write("notes.md", "hello\n")
    place.repo.init("main")
    place.committed()
    place.server.reject_pushes("team.git", "policy: no pushes on Fridays")
    with pytest.raises(GitError) as refused:
        place.connected().push("origin", place.config(), None)
    assert refused.value.code == "hook_rejected" and "no pushes on Fridays" in refused.value.message


def test_an_unreachable_remote_says_so(place: Place) -> None:
    place.write("notes.md", "hello\n")
    place.repo.init("main")
    place.repo.set_remote("gone", "http://127.0.0.1:9/team.git")
    with pytest.raises(GitError) as unreachable:
        place.repo.fetch("gone", {"http.curloptResolve": "127.0.0.1:9:127.0.0.1"}, None)
    assert unreachable.value.code == "remote_unreachable"


def test_branches_are_created_listed_and_switched(place: Place) -> None:
    place.write("notes.md", "hello\n")
    place.repo.init("main")
    with pytest.raises(GitError) as early:
        place.repo.create_branch("draft", checkout=True)
    assert early.value.code == "no_commits"
    place.committed()

    branches = place.repo.create_branch("draft", checkout=True)
    assert branches["current"] == "draft" and [b["name"] for b in branches["branches"]] == ["draft", "main"]
    for bad in ("two words", "../up", "x.lock"):
        with pytest.raises(GitError) as invalid:
            place.repo.create_branch(bad, checkout=False)
        assert invalid.value.code == "invalid_branch"
    with pytest.raises(GitError) as taken:
        place.repo.create_branch("main", checkout=False)
    assert taken.value.code == "branch_exists"

    place.write("notes.md", "draft text\n")
    place.committed("Draft")
    place.write("notes.md", "unsaved\n")
    with pytest.raises(GitError) as blocked:
        place.repo.checkout("main")
    assert blocked.value.code == "checkout_blocked" and "notes.md" in blocked.value.message
    with pytest.raises(GitError) as unknown:
        place.repo.checkout("nowhere")
    assert unknown.value.code == "unknown_branch"


def test_nothing_in_the_files_can_make_the_runners_git_run_code(place: Place) -> None:
    # Given a chat that planted a `.git` with a hook and fsmonitor in the files, and a hook in the repository
    witness = place.root / "ran"
    planted = place.files / ".git"
    (planted / "hooks").mkdir(parents=True)
    (planted / "config").write_text(f"[core]\n\tfsmonitor = touch {witness}\n\thooksPath = {planted / 'hooks'}\n")
    hook = planted / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\ntouch {witness}\n")
    hook.chmod(0o755)
    place.write("notes.md", "hello\n")
    place.repo.init("main")
    own_hook = place.root / "git" / "hooks" / "pre-commit"
    own_hook.parent.mkdir(exist_ok=True)
    own_hook.write_text(f"#!/bin/sh\ntouch {witness}\n")
    own_hook.chmod(0o755)

    # When files are staged and committed, then nothing ran and the planted folder is not content
    status = place.repo.stage([], everything=True)
    place.repo.commit("Add notes")
    assert not witness.exists()
    assert [entry["path"] for entry in status["files"]] == ["notes.md"]


def test_a_link_from_a_remote_is_checked_out_as_a_plain_file(place: Place) -> None:
    # Given a remote commit holding a symbolic link to a file outside any project
    place.write("notes.md", "hello\n")
    place.repo.init("main")
    place.committed()
    repo = place.connected()
    repo.push("origin", place.config(), None)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / "work"
        place.server.client("clone", "--quiet", place.url, str(work))
        (work / "passwd").symlink_to("/etc/passwd")
        run = ["git", "-C", str(work), "-c", "user.name=Eve", "-c", "user.email=eve@example.com"]
        subprocess.run([*run, "add", "passwd"], check=True, capture_output=True, timeout=30)
        subprocess.run([*run, "commit", "-qm", "link"], check=True, capture_output=True, timeout=30)
        place.server.client("-C", str(work), "push", "--quiet", "origin", "HEAD:refs/heads/main")

    # When it is pulled, then the project holds a small file naming the target, not a link
    repo.pull("origin", place.config(), None)
    checked_out = place.files / "passwd"
    assert not checked_out.is_symlink() and checked_out.read_text() == "/etc/passwd"


# The repository's durable copy (runner/git/storage.py): moto S3, a runner's folders that come and go


@pytest.fixture
def two_runners(accounts: AccountsStack, tmp_path: Path) -> tuple[Settings, Settings]:
    """Two runners' settings: the same bucket, each its own sandbox folder (no job users needed here)."""
    first = accounts.configure(STUDIO_SANDBOX="none", STUDIO_SANDBOX_DIR=str(tmp_path / "runner-1"))
    second = dataclasses.replace(first, sandbox_dir=tmp_path / "runner-2")
    return first, second


def _work(settings: Settings, project: str, write: bool = True) -> Iterator[Repository]:
    store = ProjectRepository(settings, Sandbox(settings), project, f"projects/{project}/")
    with store.open(write=write, files=write) as (files, git_dir):  # the test writes files as an upload would
        git = Git(git_dir, files, home=store.home, deadline=time.monotonic() + 60, author=ALICE)
        repository = Repository(git)
        repository.repair()
        yield repository
        repository.housekeeping()


def test_a_repository_comes_back_on_another_runner_with_its_files(two_runners: tuple[Settings, Settings]) -> None:
    first, second = two_runners
    project = "0123456789abcdef0123456789abcdef"
    # Given a commit made on one runner
    for repository in _work(first, project):
        (repository.git.work_tree / "notes.md").write_text("hello\n")
        repository.init("main")
        repository.stage([], everything=True)
        sha = repository.commit("Add notes")["commit"]["sha"]
    # When another runner opens the project, then the history and a clean status are there
    for repository in _work(second, project, write=False):
        assert [c["sha"] for c in repository.log(5, 0)["commits"]] == [sha]
        status = repository.status()
        assert status["files"] == [] and status["branch"] == "main"
        assert (repository.git.work_tree / "notes.md").read_text() == "hello\n"


def test_a_repository_copy_that_never_reached_s3_is_dropped(two_runners: tuple[Settings, Settings]) -> None:
    first, _ = two_runners
    project = "fedcba9876543210fedcba9876543210"
    for repository in _work(first, project):
        (repository.git.work_tree / "notes.md").write_text("hello\n")
        repository.init("main")
        repository.stage([], everything=True)
        saved = repository.commit("Saved")["commit"]["sha"]
    # Given a job that committed locally and died before its push (its repository copy is ahead of S3)
    for repository in _work(first, project, write=False):
        (repository.git.work_tree / "notes.md").write_text("lost?\n")
        repository.stage([], everything=True)
        repository.commit("Never saved")
    # When the next job opens it, then S3's history is the one it works on
    for repository in _work(first, project, write=False):
        assert [c["sha"] for c in repository.log(5, 0)["commits"]] == [saved]
